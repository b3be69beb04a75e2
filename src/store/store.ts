/**
 * The one module that talks to Redis for data (queues are BullMQ's). Source resources per patient,
 * their normalised events, derived outputs with version history, the reject log and ingest status.
 * See keys.ts for the layout and scripts.ts for the atomic steps.
 */
import type { Redis } from 'ioredis';
import type { Resource } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../domain/events';
import { Keys, locatorKey, scopeOf, type Scope } from './keys';
import { CLEAR_NOTIFIED, SAVE_EVENTS, SAVE_OUTPUTS } from './scripts';
import { APPLY_ENTRIES } from './apply-script';
import { EncodedScript } from './encoded-script';
import { randomUUID } from 'node:crypto';

/** What happened to one entry; see apply-script.ts. */
export type ApplyOutcome =
  'created' | 'updated' | 'unchanged' | 'older' | 'exists' | 'moved' | 'precondition' | 'aborted';

/** HTTP-style preconditions of one entry (our version numbers, `*`, or an identifier token). */
export interface EntryConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
}

export interface EntryWrite {
  key: string;
  patient?: string;
  fingerprint: string;
  clientVersionId?: string;
  clientLastUpdatedMs?: number;
  conditions?: EntryConditions;
  identifierTokens?: string[];
  /** The resource as stored (JSON), serialised once. */
  body: string;
  /**
   * The worker already mapped this content to no events (queue/premap.ts): a version written is
   * stored as ingested, and the resource's earlier events are removed in the same script.
   */
  noEvents?: boolean;
}

export interface AppliedEntry {
  outcome: ApplyOutcome;
  versionId: string;
  lastUpdated: string;
  needsIngest: boolean;
  contentDiffers: boolean;
  /** exists: the matching key; precondition: which header; older: the stored sender versionId. */
  other: string;
  /**
   * A version stored as ingested (no events): whether the write removed events of an earlier version.
   * Undefined otherwise, and in answers kept from a release that did not report it.
   */
  removedEvents?: boolean;
}

export interface StoredHeader {
  v: number;
  lu: number;
  fp: string;
  cv?: string;
  iv?: number;
  /** This version's identifier tokens ('\n'-joined): a later version that drops one leaves the index. */
  it?: string;
  /** Set when cv / clu are the replaced version's (this one came without them): an equal one is older. */
  icv?: 1;
  iclu?: 1;
}

export interface StoredResource {
  key: string;
  patient?: string;
  versionId: string;
  lastUpdated: string;
  resource: Resource;
  /** Set by getMany: a derived output (course, flag), not a source resource of the same type. */
  derived?: boolean;
}

export interface OutputToSave {
  key: string;
  fingerprint: string;
  resource: Resource;
}

interface ScriptedPipeline {
  bbSaveEvents(heads: string, events: string, ...triples: string[]): ScriptedPipeline;
}

interface ScriptedRedis extends Redis {
  bbSaveOutputs(...args: string[]): Promise<Array<string | number>>;
  bbClearNotified(key: string, ...pairs: string[]): Promise<number>;
}

/** The apply script; its request is encoded once, into one buffer (encoded-script.ts). */
const APPLY = new EncodedScript(APPLY_ENTRIES);

/** A pipeline's replies, or its first error thrown. */
function throwFirstError(res: Array<[Error | null, unknown]> | null): unknown[] {
  return (res ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** A stored header + body as the resource a reader sees, with our version and last-updated. */
function stored(key: string, patient: string | undefined, h: string, body: string): StoredResource {
  const head = JSON.parse(h) as StoredHeader;
  return {
    key,
    patient,
    versionId: String(head.v),
    lastUpdated: new Date(head.lu).toISOString(),
    resource: withMeta(body, head),
  };
}

export function withMeta(body: string, h: StoredHeader): Resource {
  const r = JSON.parse(body) as Resource;
  r.meta = { ...(r.meta ?? {}), versionId: String(h.v), lastUpdated: new Date(h.lu).toISOString() };
  return r;
}

export interface SourceToUpsert {
  key: string;
  patient?: string;
  resource: Resource;
  fingerprint: string;
  clientVersionId?: string;
}

export class Store {
  readonly keys: Keys;
  private readonly r: ScriptedRedis;

  constructor(
    redis: Redis,
    readonly prefix: string,
    private readonly historyLimit = 50,
  ) {
    this.keys = new Keys(prefix);
    if (!('bbSaveEvents' in redis)) {
      redis.defineCommand('bbSaveEvents', { numberOfKeys: 2, lua: SAVE_EVENTS });
      redis.defineCommand('bbSaveOutputs', { numberOfKeys: 6, lua: SAVE_OUTPUTS });
      redis.defineCommand('bbClearNotified', { numberOfKeys: 1, lua: CLEAR_NOTIFIED });
    }
    this.r = redis as ScriptedRedis;
  }

  get redis(): Redis {
    return this.r;
  }

  // ---- source resources -------------------------------------------------------------------

  /**
   * Applies the source-resource writes of one payload in one atomic script (see apply-script.ts).
   * `payloadId` keys the answer: a second call for the same payload returns the first answer.
   */
  async applyEntries(
    payloadId: string,
    mode: 'tx' | 'batch',
    entries: EntryWrite[],
    resultTtlSeconds: number,
  ): Promise<AppliedEntry[]> {
    const keys = [locatorKey(this.prefix), this.keys.patients(), this.keys.applied(payloadId)];
    keys.push(this.keys.identifiers());
    const argv = [String(resultTtlSeconds), mode];
    // Each scope's four keys once (a bundle is mostly one patient's), entries name theirs by position.
    const scopes = new Map<string, number>();
    for (const e of entries) {
      const patient = e.patient ?? '';
      let scope = scopes.get(patient);
      if (scope === undefined) {
        scope = scopes.size + 1;
        scopes.set(patient, scope);
        const s = scopeOf(e.patient);
        keys.push(
          this.keys.resHeads(s),
          this.keys.resBodies(s),
          this.keys.lastUpdated(s),
          this.keys.events(s),
        );
      }
      const c = e.conditions ?? {};
      argv.push(e.key, patient, e.fingerprint, e.clientVersionId ?? '');
      argv.push(e.clientLastUpdatedMs === undefined ? '' : String(e.clientLastUpdatedMs));
      argv.push(c.ifMatch ?? '', c.ifNoneMatch ?? '', c.ifNoneExist ?? '');
      argv.push((e.identifierTokens ?? []).join('\n'), e.body, e.noEvents ? '1' : '', String(scope));
    }
    const raw = await APPLY.run(this.r, keys, argv);
    const rows = JSON.parse(raw) as unknown;
    if (!Array.isArray(rows)) return []; // defensive: the script answers a JSON array
    return (rows as Array<[ApplyOutcome, number, number, number, number, string, number?]>).map((r) => ({
      outcome: r[0],
      versionId: String(r[1]),
      lastUpdated: new Date(Number(r[2])).toISOString(),
      needsIngest: r[3] === 1,
      contentDiffers: r[4] === 1,
      other: r[5],
      ...(r[6] === undefined ? {} : { removedEvents: r[6] === 1 }),
    }));
  }

  /** One resource, applied alone (tests and tools); the API path goes through `applyEntries`. */
  async upsertSource(p: SourceToUpsert): Promise<AppliedEntry> {
    const [r] = await this.upsertSources([p]);
    return r;
  }

  /** Resources the workers derive (Provenance), applied as one batch: one round trip for any number. */
  async upsertSources(list: SourceToUpsert[]): Promise<AppliedEntry[]> {
    if (!list.length) return [];
    const entries = list.map((p) => ({ ...p, body: JSON.stringify(p.resource) }));
    return this.applyEntries(`direct-${randomUUID()}`, 'batch', entries, 60);
  }

  /** Current stored versions of many source resources, in one round trip. */
  async getSources(
    items: Array<{ key: string; patient?: string }>,
  ): Promise<Array<StoredResource | undefined>> {
    if (!items.length) return [];
    const pipe = this.r.pipeline();
    for (const it of items) {
      const s = scopeOf(it.patient);
      pipe.hget(this.keys.resHeads(s), it.key).hget(this.keys.resBodies(s), it.key);
    }
    const res = (await pipe.exec()) ?? [];
    return items.map((it, i) => {
      const [[e1, h], [e2, b]] = [res[2 * i], res[2 * i + 1]];
      if (e1 || e2) throw e1 ?? e2;
      return h && b ? stored(it.key, it.patient, h as string, b as string) : undefined;
    });
  }

  /**
   * Records, in one round trip, that each of `readers` resolves its `ref` when it is mapped, and that
   * each of `gone` no longer does (keys.ts `dependents`).
   */
  async updateDependents(
    readers: Array<{ ref: string; key: string; patient?: string }>,
    gone: Array<{ ref: string; key: string; patient?: string }> = [],
  ): Promise<void> {
    if (!readers.length && !gone.length) return;
    const pipe = this.r.pipeline();
    for (const p of readers) pipe.sadd(this.keys.dependents(p.ref), `${p.key} ${p.patient ?? ''}`);
    for (const p of gone) pipe.srem(this.keys.dependents(p.ref), `${p.key} ${p.patient ?? ''}`);
    throwFirstError(await pipe.exec());
  }

  /** The stored resources that resolve any of `refs` when mapped, each once, in one round trip. */
  async dependentsOf(refs: string[]): Promise<Array<{ key: string; patient?: string }>> {
    if (!refs.length) return [];
    const pipe = this.r.pipeline();
    for (const ref of refs) pipe.smembers(this.keys.dependents(ref));
    const members = new Set(throwFirstError(await pipe.exec()).flatMap((m) => m as string[]));
    return [...members].sort().map((m) => {
      const [key, patient] = m.split(' ');
      return { key, patient: patient || undefined };
    });
  }

  /** The stored version of each resource (undefined: not stored), in two round trips for any number. */
  async currentVersions(keys: string[]): Promise<Array<string | undefined>> {
    const scopes = await this.locateMany(keys);
    const pipe = this.r.pipeline();
    keys.forEach((key, i) => {
      if (scopes[i] !== null) pipe.hget(this.keys.resHeads(scopeOf(scopes[i] || undefined)), key);
    });
    const heads = scopes.some((s) => s !== null) ? throwFirstError(await pipe.exec()) : [];
    let next = 0;
    return scopes.map((s) => {
      if (s === null) return undefined;
      const h = heads[next++] as string | null;
      return h ? String((JSON.parse(h) as StoredHeader).v) : undefined;
    });
  }

  /** The stored scope of each key ('' = unscoped, null = not stored), in one round trip. */
  async locateMany(keys: string[]): Promise<Array<string | null>> {
    return keys.length ? this.r.hmget(locatorKey(this.prefix), ...keys) : [];
  }

  async locate(key: string): Promise<{ found: boolean; patient?: string }> {
    const p = await this.r.hget(locatorKey(this.prefix), key);
    if (p === null) return { found: false };
    return { found: true, patient: p || undefined };
  }

  async getSource(key: string, patient?: string): Promise<StoredResource | undefined> {
    const s = scopeOf(patient);
    const [h, b] = await Promise.all([
      this.r.hget(this.keys.resHeads(s), key),
      this.r.hget(this.keys.resBodies(s), key),
    ]);
    if (!h || !b) return undefined;
    return stored(key, patient, h, b);
  }

  // ---- events -------------------------------------------------------------------------------

  /**
   * Saves the events mapped from each item's resource version (null or none: drops them), one script
   * call per patient scope, all in one round trip. True per item when written; false when a newer
   * version of the resource was stored meanwhile (its own ingest writes its events).
   */
  async saveEventsMany(
    items: Array<{ patient?: string; key: string; versionId: string; events: ClinicalEvent[] | null }>,
  ): Promise<boolean[]> {
    if (!items.length) return [];
    const byScope = new Map<string, number[]>();
    items.forEach((it, i) => {
      const group = byScope.get(it.patient ?? '');
      if (group) group.push(i);
      else byScope.set(it.patient ?? '', [i]);
    });
    const groups = [...byScope.values()];
    const pipe = this.r.pipeline() as unknown as ScriptedPipeline;
    for (const group of groups) {
      const s = scopeOf(items[group[0]].patient);
      const argv = group.flatMap((i) => {
        const { key, versionId, events } = items[i];
        return [key, versionId, events && events.length ? JSON.stringify(events) : ''];
      });
      pipe.bbSaveEvents(this.keys.resHeads(s), this.keys.events(s), ...argv);
    }
    const res = (await (pipe as unknown as { exec(): Promise<Array<[Error | null, unknown]>> }).exec()) ?? [];
    const written = new Array<boolean>(items.length);
    res.forEach(([err, flags], g) => {
      if (err) throw err;
      (flags as number[]).forEach((w, j) => (written[groups[g][j]] = w === 1));
    });
    return written;
  }

  async loadEvents(patient: string): Promise<ClinicalEvent[]> {
    const all = await this.r.hvals(this.keys.events({ patient }));
    return all.flatMap((j) => JSON.parse(j) as ClinicalEvent[]);
  }

  // ---- derived outputs ----------------------------------------------------------------------

  /** Takes an assemble claim: later claims win over earlier ones when saving. */
  async claimAssemble(patient: string): Promise<number> {
    return this.r.incr(this.keys.claim({ patient }));
  }

  async currentOutputs(patient: string): Promise<Map<string, StoredResource>> {
    const s: Scope = { patient };
    const [heads, bodies] = await Promise.all([
      this.r.hgetall(this.keys.outHeads(s)),
      this.r.hgetall(this.keys.outBodies(s)),
    ]);
    const out = new Map<string, StoredResource>();
    for (const [key, h] of Object.entries(heads)) {
      const body = bodies[key];
      if (body) out.set(key, stored(key, patient, h, body));
    }
    return out;
  }

  /** Previous versions of an output, newest first. */
  async outputHistory(key: string, patient: string): Promise<Resource[]> {
    const list = await this.r.lrange(this.keys.outHistory({ patient }, key), 0, -1);
    return list.map((j) => {
      const { h, b } = JSON.parse(j) as { h: StoredHeader; b: string };
      return withMeta(b, h);
    });
  }

  /**
   * Saves outputs under the claim. Returns null when a newer assemble run already saved (this
   * run's result is stale and dropped), else the changed keys with their new versions.
   */
  async saveOutputs(
    patient: string,
    claim: number,
    outputs: OutputToSave[],
  ): Promise<Array<{ key: string; versionId: string }> | null> {
    const s: Scope = { patient };
    const locPipe = this.r.pipeline();
    for (const o of outputs) locPipe.hsetnx(locatorKey(this.prefix), o.key, patient);
    await locPipe.exec();
    const argv: string[] = [String(claim), String(this.historyLimit)];
    for (const o of outputs) argv.push(o.key, o.fingerprint, JSON.stringify(o.resource));
    const res = await this.r.bbSaveOutputs(
      this.keys.outHeads(s),
      this.keys.outBodies(s),
      this.keys.lastUpdated(s),
      this.keys.assembled(s),
      this.keys.outHistory(s, ''),
      this.keys.outUnnotified(s),
      ...argv,
    );
    if (res[0] === 'stale') return null;
    const changed: Array<{ key: string; versionId: string }> = [];
    for (let i = 2; i < res.length; i += 3)
      changed.push({ key: String(res[i]), versionId: String(res[i + 1]) });
    return changed;
  }

  /** Output versions saved but not yet notified to subscribers (key → version), see saveOutputs. */
  async unnotifiedOutputs(patient: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.r.hgetall(this.keys.outUnnotified({ patient }))));
  }

  /** Unmarks notified output versions (each only while it is still the marked version). */
  async markNotified(patient: string, versions: Array<{ key: string; versionId: string }>): Promise<void> {
    if (!versions.length) return;
    const pairs = versions.flatMap((v) => [v.key, v.versionId]);
    await this.r.bbClearNotified(this.keys.outUnnotified({ patient }), ...pairs);
  }

  // ---- read and scan (search, export) --------------------------------------------------------

  /**
   * One page of a scope's last-updated index with scores in [min, max] (ms, inclusive; infinities
   * allowed), in (score, key) order. Returns `Type/id` keys with their last-updated ms.
   */
  async lastUpdatedPage(
    scope: Scope,
    min: number,
    max: number,
    offset: number,
    count: number,
  ): Promise<Array<{ key: string; lu: number }>> {
    const bound = (n: number) => (n === -Infinity ? '-inf' : n === Infinity ? '+inf' : String(n));
    const flat = await this.r.zrangebyscore(
      this.keys.lastUpdated(scope),
      bound(min),
      bound(max),
      'WITHSCORES',
      'LIMIT',
      offset,
      count,
    );
    const out: Array<{ key: string; lu: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ key: flat[i], lu: Number(flat[i + 1]) });
    return out;
  }

  /** Current versions of keys of one scope: the derived output when there is one, else the source resource. */
  async getMany(scope: Scope, keys: string[]): Promise<Array<StoredResource | undefined>> {
    if (!keys.length) return [];
    const pipe = this.r.pipeline();
    for (const k of keys) {
      pipe.hget(this.keys.outHeads(scope), k).hget(this.keys.outBodies(scope), k);
      pipe.hget(this.keys.resHeads(scope), k).hget(this.keys.resBodies(scope), k);
    }
    const res = (await pipe.exec()) ?? [];
    const patient = 'patient' in scope ? scope.patient : undefined;
    return keys.map((key, i) => {
      const [oh, ob, rh, rb] = res.slice(i * 4, i * 4 + 4).map(([err, v]) => {
        if (err) throw err;
        return v as string | null;
      });
      const derived = !!(oh && ob);
      const [h, b] = derived ? [oh, ob] : [rh, rb];
      if (!h || !b) return undefined;
      return { ...stored(key, patient, h!, b!), derived };
    });
  }

  /** Redis server time in ms: the one clock every last-updated score comes from. */
  async serverTimeMs(): Promise<number> {
    const [s, us] = await this.r.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  // ---- patients, rejects, ingest status --------------------------------------------------------

  async *patients(): AsyncGenerator<string> {
    let cursor = '0';
    do {
      const [next, batch] = await this.r.sscan(this.keys.patients(), cursor, 'COUNT', 500);
      cursor = next;
      for (const p of batch) yield p;
    } while (cursor !== '0');
  }

  async setIngestStatus(jobId: string, status: unknown, ttlSeconds: number): Promise<void> {
    await this.r.set(this.keys.ingestStatus(jobId), JSON.stringify(status), 'EX', ttlSeconds);
  }

  async getIngestStatus(jobId: string): Promise<unknown | undefined> {
    const j = await this.r.get(this.keys.ingestStatus(jobId));
    return j ? JSON.parse(j) : undefined;
  }
}
