/**
 * `cli export --out DIR [--type T1,T2] [--since INSTANT] [--type-filter 'Type?query']… [--source S]
 *  [--level system|patient] [--group ID]`: a bulk export run directly against the store (no HTTP, no
 * queue), into a new or empty DIR: one NDJSON file per type plus `manifest.json` whose
 * `transactionTime` is the `--since` of the next incremental run. Without --source: every source.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isFhirResourceType } from '../../validation/fhir-definitions';
import type { ExportSpec } from '../../export/jobs';
import { parseExportParams, type ExportLevel } from '../../export/request';
import { runExport } from '../../export/run';
import { ALL_SOURCES } from '../../search/scan';
import type { Store } from '../../store/store';
import { only, option, required, UsageError, type Args } from '../args';

export const exportUsage =
  'export --out DIR [--type T1,T2] [--since INSTANT] [--type-filter Type?query]... [--source S] [--level system|patient] [--group ID]';

export async function exportCommand(
  store: Store,
  args: Args,
  print: (line: string) => void,
): Promise<number> {
  only(args, ['out', 'type', 'since', 'type-filter', 'source', 'level', 'group']);
  const out = resolve(required(args, 'out'));
  if (existsSync(out) && readdirSync(out).length)
    throw new UsageError(`--out ${out} is not empty; choose a new or empty directory`);
  const group = option(args, 'group');
  const level = (group ? 'group' : (option(args, 'level') ?? 'system')) as ExportLevel;
  if (!['system', 'patient', 'group'].includes(level))
    throw new UsageError('--level must be system or patient');
  const source = option(args, 'source') ?? ALL_SOURCES;
  if (group && source === ALL_SOURCES)
    throw new UsageError('--group needs --source (group ids are namespaced by source)');
  const raw: Record<string, string[]> = {};
  if (option(args, 'type')) raw._type = [option(args, 'type')!];
  if (option(args, 'since')) raw._since = [option(args, 'since')!];
  if (args.options.get('type-filter')) raw._typeFilter = args.options.get('type-filter')!;
  const params = parseExportParams(raw, isFhirResourceType, true);
  const transactionTime = (await store.serverTimeMs()) - 1;
  const spec: ExportSpec = {
    id: randomUUID(),
    source,
    level,
    group,
    transactionTime,
    request: `cli ${process.argv.slice(2).join(' ')}`,
    ...params,
  };
  const started = Date.now();
  const result = await runExport(store, spec, out);
  const manifest = {
    transactionTime: new Date(transactionTime).toISOString(),
    request: spec.request,
    output: result.output.map((f) => ({ type: f.type, url: f.file, count: f.count })),
    error: result.error.map((f) => ({ type: f.type, url: f.file, count: f.count })),
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const total = result.output.reduce((n, f) => n + f.count, 0);
  for (const f of result.output) print(`${f.type}\t${f.count}\t${join(out, f.file)}`);
  print(
    `${total} resources in ${Date.now() - started} ms; transactionTime ${manifest.transactionTime} (use as --since next time)`,
  );
  return 0;
}
