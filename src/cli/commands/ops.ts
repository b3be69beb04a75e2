/**
 * Operator commands: inspect and replay jobs, read the reject log, and the registry summary.
 *   jobs [--queue Q] [--state failed|waiting|active|delayed|completed] [--count N]
 *   retry --queue Q (--id ID | --failed)
 *   rejects [--count N]
 *   summary [--source S] [--json]
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ClinicalEvent } from '../../domain/events';
import type { Course, CourseFlag } from '../../domain/course';
import { assemble } from '../../domain/course/index';
import { flagPatient } from '../../domain/flags/index';
import { formatSummary, summarize } from '../../domain/summary';
import { belongsTo } from '../../identity';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../../queue/queues';
import type { Runtime } from '../../runtime';
import { only, option, required, UsageError, type Args } from '../args';

const STATES = ['failed', 'waiting', 'active', 'delayed', 'completed'] as const;
type State = (typeof STATES)[number];

function queueOf(args: Args, name = 'queue'): QueueName {
  const q = required(args, name);
  if (!isQueueName(q)) throw new UsageError(`--${name} must be one of ${QUEUE_NAMES.join(', ')}`);
  return q;
}

function count(args: Args, def: number): number {
  const n = Number(option(args, 'count') ?? def);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError('--count must be 1..10000');
  return n;
}

export const jobsUsage = 'jobs [--queue Q] [--state failed|waiting|active|delayed|completed] [--count N]';
export async function jobsCommand(rt: Runtime, args: Args, print: (l: string) => void): Promise<number> {
  only(args, ['queue', 'state', 'count']);
  const state = (option(args, 'state') ?? 'failed') as State;
  if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
  const queues = option(args, 'queue') ? [queueOf(args)] : [...QUEUE_NAMES];
  for (const name of queues) {
    const q = rt.queues.get(name);
    const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    print(
      `${name}: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    for (const j of await q.getJobs([state], 0, count(args, 20) - 1)) {
      // ids, names, attempts and the failure reason only: job data can hold resources (PHI)
      print(
        `  ${state} ${j.id} ${j.name} attempts=${j.attemptsMade}${j.failedReason ? ` reason="${j.failedReason.slice(0, 200)}"` : ''}`,
      );
    }
  }
  return 0;
}

export const retryUsage = 'retry --queue Q (--id ID | --failed)';
export async function retryCommand(rt: Runtime, args: Args, print: (l: string) => void): Promise<number> {
  only(args, ['queue', 'id', 'failed']);
  const q = rt.queues.get(queueOf(args));
  const id = option(args, 'id');
  if (id) {
    const job = await q.getJob(id);
    if (!job) throw new UsageError(`no job ${id} in ${q.name}`);
    const state = await job.getState();
    if (state !== 'failed' && state !== 'completed') throw new UsageError(`job ${id} is ${state}`);
    await job.retry(state);
    print(`replayed ${q.name} ${id} (was ${state})`);
    return 0;
  }
  if (option(args, 'failed') !== 'true') throw new UsageError('give --id ID or --failed');
  const n = await q.getFailedCount();
  await q.retryJobs({ state: 'failed', count: 1000 });
  print(`replayed ${n} failed job(s) of ${q.name}`);
  return 0;
}

export const rejectsUsage = 'rejects [--count N]';
export async function rejectsCommand(rt: Runtime, args: Args, print: (l: string) => void): Promise<number> {
  only(args, ['count']);
  type Reject = {
    at: string;
    source: string;
    index: number;
    resource?: { resourceType?: string; id?: string };
    outcome?: OperationOutcome;
  };
  for (const r of (await rt.rejects.list(count(args, 20))) as Reject[]) {
    const issues = (r.outcome?.issue ?? []).map((i) => `${i.expression?.[0] ?? '-'}: ${i.diagnostics}`);
    print(
      `${r.at} source=${r.source} entry=${r.index} ${r.resource?.resourceType ?? '?'}/${r.resource?.id ?? '-'}  ${issues.join(' | ')}`,
    );
  }
  return 0;
}

export const summaryUsage = 'summary [--source S] [--json]';
/** The registry figures (clinical-rules.md §4) over every stored patient, recomputed from events. */
export async function summaryCommand(rt: Runtime, args: Args, print: (l: string) => void): Promise<number> {
  only(args, ['source', 'json']);
  const source = option(args, 'source');
  const courses: Course[] = [];
  const flags: CourseFlag[] = [];
  const events: ClinicalEvent[] = [];
  for await (const patient of rt.store.patients()) {
    if (source && !belongsTo(patient, source)) continue;
    const ev = await rt.store.loadEvents(patient);
    const c = assemble(ev);
    courses.push(...c);
    flags.push(...flagPatient(c, ev));
    events.push(...ev);
  }
  const summary = summarize(courses, flags, events);
  print(option(args, 'json') === 'true' ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return 0;
}
