/**
 * `cli registry-export --table courses|flags --out FILE [--source S]`: the flat registry CSV
 * (columns of profiles/registry-row.schema.json) written to FILE. Rows failing the schema are left
 * out and counted; the exit code is 1 when any was.
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import type * as RegistryExport from '../../export/registry-export';
import type { Table } from '../../export/registry-rows';
import { option, UsageError } from '../args';
import { defineCommand } from '../command';
import { checkSourceSyntax, countPatients, requireKnownSource } from './sources';

export const registryExportCommand = defineCommand({
  name: 'registry-export',
  summary: 'the flat registry CSV (one row per course or per flag)',
  usage: '--table courses|flags --out FILE [--source S]',
  options: {
    table: { type: 'string', required: true, choices: ['courses', 'flags'], description: 'which table' },
    out: { type: 'string', value: 'FILE', required: true, description: 'the CSV file to write' },
    source: { type: 'string', value: 'S', description: 'one source only (default: every source)' },
  },
  check(args) {
    checkSourceSyntax(args);
    const file = resolve(option(args, 'out')!);
    if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory())
      throw new UsageError(`--out: directory ${dirname(file)} does not exist`);
    if (existsSync(file) && statSync(file).isDirectory())
      throw new UsageError(`--out ${file} is a directory`);
  },
  async run(rt, args, print, ui) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { registryCsv } = require('../../export/registry-export') as typeof RegistryExport;
    const table = option(args, 'table') as Table;
    const file = resolve(option(args, 'out')!);
    const source = option(args, 'source');
    await requireKnownSource(rt.store, source);
    const bar = ui.progress(`registry-export ${table}`, await countPatients(rt.store, source), 'patients');
    const ws = createWriteStream(file, { encoding: 'utf8' });
    let rows = -1; // the header is not a row
    const rejected: { id: string; errors: string[] }[] = [];
    try {
      for await (const line of registryCsv(rt.store, table, {
        source,
        onReject: (id, errors) => rejected.push({ id, errors }),
        onPatient: () => bar.increment(),
      })) {
        rows++;
        if (!ws.write(line)) await once(ws, 'drain');
      }
    } finally {
      bar.stop();
      ws.end();
      await once(ws, 'finish');
    }
    if (ui.json) print(JSON.stringify({ table, file, rows, rejected }, null, 2));
    else {
      for (const r of rejected) print(`rejected ${r.id}: ${r.errors.join('; ')}`);
      print(
        `${rows} ${table} rows written to ${file}${rejected.length ? `; ${rejected.length} rows failed the schema and were left out` : ''}`,
      );
    }
    return rejected.length ? 1 : 0;
  },
});
