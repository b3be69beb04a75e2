/**
 * The reject log: invalid resources with the OperationOutcome that rejected them, for an integration
 * engineer to inspect (`GET /admin/rejects`, `npm run cli -- rejects`). Hostile input must not make it
 * costly or let one sender crowd out another, so:
 * - one Redis round trip per request (`recordRejects`: one script call, however many rejects);
 * - at most `perRequest` records per request (the last says how many more were not kept);
 * - one stream per source, trimmed to `perSource`: a source can only evict its own records;
 * - a resource bigger than `resourceChars` of JSON is summarised (type, id, size), not copied;
 * - a job that runs twice (BullMQ retry or a stalled copy) records its rejects once.
 * All keys share the hash tag `{rejects}` so the script's keys live in one Redis Cluster slot.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Redis } from 'ioredis';

export interface RejectLimits {
  perRequest: number;
  perSource: number;
  resourceChars: number;
}

export const DEFAULT_REJECT_LIMITS: RejectLimits = {
  perRequest: 100,
  perSource: 5000,
  resourceChars: 32 * 1024,
};

/** Issues kept per record: enough to see what is wrong, bounded whatever the resource holds. */
const ISSUES_PER_RECORD = 50;
/** How long a job's "already recorded" mark lives (longer than any retry schedule). */
const JOB_MARK_SECONDS = 7 * 24 * 3600;

export interface Reject {
  /** Entry index in the request (0 for a single resource). */
  index: number;
  resource: unknown;
  outcome: OperationOutcome;
}

export interface RejectRecord {
  id: string;
  source: string;
  jobId?: string;
  index?: number;
  at: string;
  resource?: unknown;
  /** Set instead of `resource` when the resource was too big to copy. */
  resourceOmitted?: { resourceType?: string; id?: string; chars: number };
  outcome?: OperationOutcome;
  /** Set on the last record of a request that had more rejects than the per-request cap. */
  notRecorded?: number;
}

const RECORD = `
if ARGV[3] ~= '' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ${JOB_MARK_SECONDS}) then return -1 end
end
for i = 4, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'json', ARGV[i])
end
redis.call('SADD', KEYS[2], ARGV[1])
return #ARGV - 3
`;

type ScriptedRedis = Redis & {
  bbRecordRejects(k1: string, k2: string, k3: string, ...argv: string[]): Promise<number>;
};

function summaryOf(resource: unknown, chars: number): RejectRecord['resourceOmitted'] {
  const r = (resource ?? {}) as { resourceType?: unknown; id?: unknown };
  const short = (v: unknown) => (typeof v === 'string' && v.length <= 64 ? v : undefined);
  return { resourceType: short(r.resourceType), id: short(r.id), chars };
}

function capIssues(outcome: OperationOutcome): OperationOutcome {
  const issues = outcome.issue ?? [];
  if (issues.length <= ISSUES_PER_RECORD) return outcome;
  const more: OperationOutcomeIssue = {
    severity: 'information',
    code: 'informational',
    diagnostics: `${issues.length - ISSUES_PER_RECORD} more issue(s) not recorded`,
  };
  return { ...outcome, issue: [...issues.slice(0, ISSUES_PER_RECORD), more] };
}

/** Stream ids are `<ms>-<seq>`: newest first across streams. */
function newerFirst(a: RejectRecord, b: RejectRecord): number {
  const [am, as] = a.id.split('-').map(Number);
  const [bm, bs] = b.id.split('-').map(Number);
  return bm - am || bs - as;
}

export class RejectLog {
  private readonly r: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    readonly limits: RejectLimits = DEFAULT_REJECT_LIMITS,
  ) {
    if (!('bbRecordRejects' in redis))
      redis.defineCommand('bbRecordRejects', { numberOfKeys: 3, lua: RECORD });
    this.r = redis as ScriptedRedis;
  }

  private streamKey(source: string): string {
    return `${this.prefix}:{rejects}:src:${source}`;
  }
  private sourcesKey(): string {
    return `${this.prefix}:{rejects}:sources`;
  }
  private jobKey(jobId: string): string {
    return `${this.prefix}:{rejects}:job:${jobId}`;
  }

  /**
   * Records a request's rejects in one round trip. With a jobId, a second run of the same job records
   * nothing. Returns how many records were written (0 when the job had already recorded its rejects).
   */
  async recordRejects(source: string, rejects: Reject[], opts: { jobId?: string } = {}): Promise<number> {
    if (rejects.length === 0 || this.limits.perRequest === 0 || this.limits.perSource === 0) return 0;
    const at = new Date().toISOString();
    const kept = rejects.length > this.limits.perRequest ? rejects.slice(0, this.limits.perRequest) : rejects;
    const rows = kept.map((rj, i) => {
      const json = JSON.stringify(rj.resource ?? null);
      const record: Omit<RejectRecord, 'id'> = {
        source,
        ...(opts.jobId ? { jobId: opts.jobId } : {}),
        index: rj.index,
        at,
        ...(json.length <= this.limits.resourceChars
          ? { resource: rj.resource ?? null }
          : { resourceOmitted: summaryOf(rj.resource, json.length) }),
        outcome: capIssues(rj.outcome),
      };
      if (i === kept.length - 1 && kept.length < rejects.length)
        record.notRecorded = rejects.length - kept.length;
      return JSON.stringify(record);
    });
    const written = await this.r.bbRecordRejects(
      this.streamKey(source),
      this.sourcesKey(),
      this.jobKey(opts.jobId ?? '-'),
      source,
      String(this.limits.perSource),
      opts.jobId ?? '',
      ...rows,
    );
    return Math.max(written, 0);
  }

  /** The newest `count` records, of one source or of all, newest first. */
  async list(count = 50, source?: string): Promise<RejectRecord[]> {
    const sources = source ? [source] : (await this.r.smembers(this.sourcesKey())).sort();
    if (sources.length === 0 || count <= 0) return [];
    const pipe = this.r.pipeline();
    for (const s of sources) pipe.xrevrange(this.streamKey(s), '+', '-', 'COUNT', count);
    const results = (await pipe.exec()) ?? [];
    const out: RejectRecord[] = [];
    for (const [err, rows] of results) {
      if (err) throw err;
      for (const [id, fields] of rows as Array<[string, string[]]>)
        out.push({ id, ...(JSON.parse(fields[1]) as Omit<RejectRecord, 'id'>) });
    }
    return out.sort(newerFirst).slice(0, count);
  }
}
