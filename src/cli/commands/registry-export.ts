/**
 * `cli registry-export --table courses|flags --out FILE [--source S]`: the flat registry CSV
 * (columns of profiles/registry-row.schema.json) written to FILE. Rows failing the schema are left
 * out and counted; the exit code is 1 when any was.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { registryCsv, TABLES } from '../../export/registry-export';
import type { Table } from '../../export/registry-rows';
import type { Store } from '../../store/store';
import { only, option, required, UsageError, type Args } from '../args';

export const registryExportUsage = 'registry-export --table courses|flags --out FILE [--source S]';

export async function registryExportCommand(
  store: Store,
  args: Args,
  print: (line: string) => void,
): Promise<number> {
  only(args, ['table', 'out', 'source']);
  const table = required(args, 'table') as Table;
  if (!TABLES.includes(table)) throw new UsageError(`--table must be one of ${TABLES.join(', ')}`);
  const file = resolve(required(args, 'out'));
  const ws = createWriteStream(file, { encoding: 'utf8' });
  let rows = -1; // the header is not a row
  let rejected = 0;
  for await (const line of registryCsv(store, table, {
    source: option(args, 'source'),
    onReject: (id, errors) => {
      rejected++;
      print(`rejected ${id}: ${errors.join('; ')}`);
    },
  })) {
    rows++;
    if (!ws.write(line)) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
  print(
    `${rows} ${table} rows written to ${file}${rejected ? `; ${rejected} rows failed the schema and were left out` : ''}`,
  );
  return rejected ? 1 : 0;
}
