/**
 * Delivery operator commands:
 *   deliveries                              destinations (no secrets) with their dead-letter counts
 *   deliveries --destination D [--replay]   that destination's dead letter; --replay re-queues it
 */
import type * as DeliverRuntime from '../../deliver/runtime';
import type * as Destinations from '../../deliver/destinations';
import { option, UsageError } from '../args';
import { CliError, defineCommand } from '../command';

export const deliveriesCommand = defineCommand({
  name: 'deliveries',
  summary: 'registry destinations and their dead letters; --replay re-queues a destination’s failed pushes',
  usage: '[--destination D [--replay]]',
  options: {
    destination: { type: 'string', value: 'D', description: 'one destination: list its failed pushes' },
    replay: { type: 'boolean', description: 're-queue every failed push of --destination' },
  },
  check(args) {
    if (option(args, 'replay') === 'true' && !option(args, 'destination'))
      throw new UsageError('--replay needs --destination');
  },
  async run(rt, args, print, ui) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { deliveryOf } = require('../../deliver/runtime') as typeof DeliverRuntime;
    const { publicView } = require('../../deliver/destinations') as typeof Destinations;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const { destinations } = deliveryOf({ cfg: rt.cfg, conn: rt.store.redis });
    const failed = (await rt.queues.get('deliver').getFailed(0, 10_000)).filter((j) => j.name === 'push');
    const id = option(args, 'destination');
    if (!id) {
      const rows = [];
      for (const d of await destinations.all()) {
        const v = publicView(d);
        const dead = failed.filter((j) => j.data?.destination === d.id).length;
        rows.push({ id: d.id, source: d.source, baseUrl: v.baseUrl, auth: d.auth.type, dead });
      }
      if (ui.json) print(JSON.stringify(rows, null, 2));
      else
        for (const r of rows)
          print(`${r.id}\tsource=${r.source}\t${r.baseUrl}\tauth=${r.auth}\tdead=${r.dead}`);
      return 0;
    }
    if (!(await destinations.get(id))) throw new CliError(`no destination ${id}`);
    const dead = failed.filter((j) => j.data?.destination === id);
    if (option(args, 'replay') === 'true') {
      const bar = ui.progress('replay', dead.length, 'jobs');
      for (const j of dead) {
        await j.retry('failed');
        bar.increment();
      }
      bar.stop();
      if (ui.json) print(JSON.stringify({ destination: id, replayed: dead.length }));
      else print(`replayed ${dead.length} failed deliver job(s) of ${id}`);
      return 0;
    }
    const rows = dead.map((j) => ({
      id: j.id,
      patient: j.data.patient,
      attempts: j.attemptsMade,
      reason: (j.failedReason ?? '').slice(0, 200),
    }));
    if (ui.json) print(JSON.stringify(rows, null, 2));
    else {
      for (const r of rows) print(`${r.id}\tpatient=${r.patient}\tattempts=${r.attempts}\t${r.reason}`);
      if (!rows.length) print(`no failed deliveries for ${id}`);
    }
    return 0;
  },
});
