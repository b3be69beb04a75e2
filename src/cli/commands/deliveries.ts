/**
 * Delivery operator commands:
 *   deliveries                              destinations (no secrets) with their dead-letter counts
 *   deliveries --destination D [--replay]   that destination's dead letter; --replay re-queues it
 */
import { publicView } from '../../deliver/destinations';
import { deliveryOf } from '../../deliver/runtime';
import type { Runtime } from '../../runtime';
import { only, option, UsageError, type Args } from '../args';

export const deliveriesUsage = 'deliveries [--destination D [--replay]]';

export async function deliveriesCommand(
  rt: Runtime,
  args: Args,
  print: (l: string) => void,
): Promise<number> {
  only(args, ['destination', 'replay']);
  const { destinations } = deliveryOf(rt);
  const failed = (await rt.queues.get('deliver').getFailed(0, 10_000)).filter((j) => j.name === 'push');
  const id = option(args, 'destination');
  if (!id) {
    if (option(args, 'replay')) throw new UsageError('--replay needs --destination');
    for (const d of await destinations.all()) {
      const v = publicView(d);
      const dead = failed.filter((j) => j.data?.destination === d.id).length;
      print(`${d.id}\tsource=${d.source}\t${v.baseUrl}\tauth=${d.auth.type}\tdead=${dead}`);
    }
    return 0;
  }
  if (!(await destinations.get(id))) throw new UsageError(`no destination ${id}`);
  const dead = failed.filter((j) => j.data?.destination === id);
  if (option(args, 'replay') === 'true') {
    for (const j of dead) await j.retry('failed');
    print(`replayed ${dead.length} failed deliver job(s) of ${id}`);
    return 0;
  }
  for (const j of dead)
    print(`${j.id}\tpatient=${j.data.patient}\tattempts=${j.attemptsMade}\t${j.failedReason}`);
  if (!dead.length) print(`no failed deliveries for ${id}`);
  return 0;
}
