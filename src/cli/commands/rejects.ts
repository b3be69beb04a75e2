/** `cli rejects`: the newest invalid resources, with where they are wrong (never their content). */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { intOption } from '../args';
import { defineCommand } from '../command';
import { RejectLog } from '../../store/reject-log';

interface Reject {
  at: string;
  source: string;
  index: number;
  resource?: { resourceType?: string; id?: string };
  outcome?: OperationOutcome;
}

export const rejectsCommand = defineCommand({
  name: 'rejects',
  summary: 'the newest invalid resources and their OperationOutcome issues',
  usage: '[--count N]',
  options: {
    count: { type: 'string', value: 'N', description: 'how many, 1..10000 (default 20)' },
  },
  check(args) {
    intOption(args, 'count', 20, 10_000);
  },
  async run(rt, args, print, ui) {
    const rejects = (await new RejectLog(rt.store.redis, rt.store.keys.prefix, {
      perRequest: rt.cfg.rejectsPerRequest,
      perSource: rt.cfg.rejectsPerSource,
      resourceChars: rt.cfg.rejectResourceChars,
    }).list(intOption(args, 'count', 20, 10_000))) as Reject[];
    const rows = rejects.map((r) => ({
      at: r.at,
      source: r.source,
      entry: r.index,
      resourceType: r.resource?.resourceType,
      id: r.resource?.id,
      issues: (r.outcome?.issue ?? []).map((i) => ({
        expression: i.expression?.[0],
        diagnostics: i.diagnostics,
      })),
    }));
    if (ui.json) {
      print(JSON.stringify(rows, null, 2));
      return 0;
    }
    for (const r of rows) {
      const issues = r.issues.map((i) => `${i.expression ?? '-'}: ${i.diagnostics}`);
      print(
        `${r.at} source=${r.source} entry=${r.entry} ${r.resourceType ?? '?'}/${r.id ?? '-'}  ${issues.join(' | ')}`,
      );
    }
    return 0;
  },
});
