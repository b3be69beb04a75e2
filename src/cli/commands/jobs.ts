/** `cli jobs`: job counts per queue and the newest jobs of one state (ids, names, attempts, reasons). */
import { QUEUE_NAMES, type QueueName } from '../../queue/names';
import { intOption, option } from '../args';
import { defineCommand } from '../command';

const STATES = ['failed', 'waiting', 'active', 'delayed', 'completed'] as const;
type State = (typeof STATES)[number];

export const jobsCommand = defineCommand({
  name: 'jobs',
  summary: 'job counts per queue, and the newest jobs of one state (no job data)',
  usage: '[--queue Q] [--state failed|waiting|active|delayed|completed] [--count N]',
  options: {
    queue: { type: 'string', choices: QUEUE_NAMES, description: 'one queue (default: all)' },
    state: { type: 'string', choices: STATES, description: 'which jobs to list (default failed)' },
    count: { type: 'string', value: 'N', description: 'jobs listed per queue, 1..10000 (default 20)' },
  },
  check(args) {
    intOption(args, 'count', 20, 10_000);
  },
  async run(rt, args, print, ui) {
    const state = (option(args, 'state') ?? 'failed') as State;
    const count = intOption(args, 'count', 20, 10_000);
    const names = option(args, 'queue') ? [option(args, 'queue') as QueueName] : [...QUEUE_NAMES];
    const report: Record<string, unknown> = {};
    for (const name of names) {
      const q = rt.queues.get(name);
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      // ids, names, attempts and the failure reason only: job data can hold resources (PHI)
      const jobs = (await q.getJobs([state], 0, count - 1)).map((j) => ({
        id: j.id,
        name: j.name,
        state,
        attempts: j.attemptsMade,
        ...(j.failedReason ? { reason: j.failedReason.slice(0, 200) } : {}),
      }));
      report[name] = { counts, jobs };
      if (ui.json) continue;
      print(
        `${name}: ${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      for (const j of jobs)
        print(
          `  ${state} ${j.id} ${j.name} attempts=${j.attempts}${j.reason ? ` reason="${j.reason}"` : ''}`,
        );
    }
    if (ui.json) print(JSON.stringify(report, null, 2));
    return 0;
  },
});
