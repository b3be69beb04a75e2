/** `cli retry`: replay one failed or completed job, or every failed job of a queue (with progress). */
import { QUEUE_NAMES, type QueueName } from '../../queue/names';
import { flag, option, UsageError } from '../args';
import { CliError, defineCommand } from '../command';

/** Failed jobs are replayed a page at a time, so progress is visible and memory stays flat. */
const PAGE = 100;

export const retryCommand = defineCommand({
  name: 'retry',
  summary: 'replay a failed (or completed) job, or every failed job of a queue',
  usage: '--queue Q (--id ID | --failed)',
  options: {
    queue: { type: 'string', required: true, choices: QUEUE_NAMES, description: 'the queue' },
    id: { type: 'string', value: 'ID', description: 'the job to replay' },
    failed: { type: 'boolean', description: 'replay every failed job of the queue' },
  },
  check(args) {
    if (!option(args, 'id') === !flag(args, 'failed'))
      throw new UsageError('give either --id ID or --failed');
  },
  async run(rt, args, print, ui) {
    const q = rt.queues.get(option(args, 'queue') as QueueName);
    const id = option(args, 'id');
    if (id) {
      const job = await q.getJob(id);
      if (!job) throw new CliError(`no job ${id} in ${q.name}`);
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed')
        throw new CliError(`job ${id} is ${state}; only failed or completed jobs can be replayed`);
      await job.retry(state);
      print(
        ui.json
          ? JSON.stringify({ queue: q.name, replayed: [id], from: state })
          : `replayed ${q.name} ${id} (was ${state})`,
      );
      return 0;
    }
    // Only the jobs failed when we start: one that fails again meanwhile is not replayed twice.
    const total = await q.getFailedCount();
    const bar = ui.progress(`retry ${q.name}`, total, 'jobs');
    let replayed = 0;
    try {
      while (replayed < total) {
        const page = await q.getFailed(0, Math.min(PAGE, total - replayed) - 1);
        if (!page.length) break;
        for (const job of page) {
          // Another operator may replay the same job at the same moment: that one is not ours to count.
          if (
            await job.retry('failed').then(
              () => true,
              () => false,
            )
          )
            replayed++;
          bar.update(replayed);
        }
      }
    } finally {
      bar.stop();
    }
    print(
      ui.json
        ? JSON.stringify({ queue: q.name, replayed, failedAtStart: total })
        : `replayed ${replayed} failed job(s) of ${q.name}`,
    );
    return 0;
  },
});
