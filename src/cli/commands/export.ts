/**
 * `cli export --out DIR …`: a bulk export run directly against the store (no HTTP, no queue), into a
 * new or empty DIR: one NDJSON file per type plus `manifest.json` whose `transactionTime` is the
 * `--since` of the next incremental run. Without --source: every source.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExportSpec } from '../../export/jobs';
import type * as ExportRequest from '../../export/request';
import type * as ExportRun from '../../export/run';
import type * as FhirDefinitions from '../../validation/fhir-definitions';
import { ALL_SOURCES } from '../../search/scan';
import { option, UsageError, type Args } from '../args';
import { defineCommand } from '../command';
import { checkSourceSyntax, countPatients, requireKnownSource } from './sources';

/** Parsed and checked export parameters (needs the FHIR type list, not a connection). */
function exportParams(args: Args) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseExportParams } = require('../../export/request') as typeof ExportRequest;
  const { isFhirResourceType } = require('../../validation/fhir-definitions') as typeof FhirDefinitions;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const raw: Record<string, string[]> = {};
  if (option(args, 'type')) raw._type = [option(args, 'type')!];
  if (option(args, 'since')) raw._since = [option(args, 'since')!];
  if (args.options.get('type-filter')) raw._typeFilter = args.options.get('type-filter')!;
  try {
    return parseExportParams(raw, isFhirResourceType, true);
  } catch (err) {
    // A FhirError of the request parser: a bad --type, --since or --type-filter.
    throw new UsageError((err as Error).message);
  }
}

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'bulk export (NDJSON + manifest.json) straight from the store',
  usage:
    '--out DIR [--type T1,T2] [--since INSTANT] [--type-filter Type?query]... [--source S] [--level system|patient] [--group ID]',
  options: {
    out: { type: 'string', value: 'DIR', required: true, description: 'a new or empty directory' },
    type: { type: 'string', value: 'T1,T2', description: 'resource types to export (default: all)' },
    since: {
      type: 'string',
      value: 'INSTANT',
      description: "only resources changed after it (the last manifest's transactionTime)",
    },
    'type-filter': {
      type: 'string',
      value: 'Type?query',
      multiple: true,
      description: 'search query a resource of that type must match',
    },
    source: { type: 'string', value: 'S', description: 'one source only (default: every source)' },
    level: { type: 'string', choices: ['system', 'patient'], description: 'default system' },
    group: { type: 'string', value: 'ID', description: "that Group's members only (needs --source)" },
  },
  check(args) {
    checkSourceSyntax(args);
    const out = resolve(option(args, 'out')!);
    if (existsSync(out) && readdirSync(out).length)
      throw new UsageError(`--out ${out} is not empty; choose a new or empty directory`);
    if (option(args, 'group') && !option(args, 'source'))
      throw new UsageError('--group needs --source (group ids are namespaced by source)');
    if (option(args, 'group') && option(args, 'level'))
      throw new UsageError('--group and --level exclude each other');
    exportParams(args);
  },
  async run(rt, args, print, ui) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runExport } = require('../../export/run') as typeof ExportRun;
    const out = resolve(option(args, 'out')!);
    const group = option(args, 'group');
    const level = group ? 'group' : ((option(args, 'level') ?? 'system') as 'system' | 'patient');
    const source = option(args, 'source');
    await requireKnownSource(rt.store, source);
    const params = exportParams(args);
    const transactionTime = (await rt.store.serverTimeMs()) - 1;
    const spec: ExportSpec = {
      id: randomUUID(),
      source: source ?? ALL_SOURCES,
      level,
      group,
      transactionTime,
      request: `cli export ${process.argv.slice(3).join(' ')}`.trim(),
      ...params,
    };
    const started = Date.now();
    const bar = ui.progress('export', group ? 0 : await countPatients(rt.store, source), 'patients');
    const result = await runExport(rt.store, spec, out, {
      checkpoint: async (done, total) => {
        if (group) bar.setTotal(total);
        bar.update(done);
        return true;
      },
    }).finally(() => bar.stop());
    const manifest = {
      transactionTime: new Date(transactionTime).toISOString(),
      request: spec.request,
      output: result.output.map((f) => ({ type: f.type, url: f.file, count: f.count })),
      error: result.error.map((f) => ({ type: f.type, url: f.file, count: f.count })),
    };
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const total = result.output.reduce((n, f) => n + f.count, 0);
    if (ui.json) {
      print(JSON.stringify({ dir: out, resources: total, ms: Date.now() - started, manifest }, null, 2));
      return 0;
    }
    for (const f of result.output) print(`${f.type}\t${f.count}\t${join(out, f.file)}`);
    print(
      `${total} resources in ${Date.now() - started} ms; transactionTime ${manifest.transactionTime} (use as --since next time)`,
    );
    return 0;
  },
});
