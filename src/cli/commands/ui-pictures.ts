/**
 * The pages' pictures as files (README "Timeline and cohort pages"):
 *   timeline <patient> --out FILE.svg      patient as a namespaced id (hospa.p1), or --source S with the local id
 *   cohort --out FILE.html [--source S] [--link-base URL]
 * Operator commands: they read every source, like `export`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { belongsTo, namespacedId, SOURCE_ID } from '../../identity';
import type * as UiExports from '../../ui/exports';
import { option, required, UsageError } from '../args';
import { CliError, defineCommand } from '../command';

/* eslint-disable @typescript-eslint/no-require-imports */
const pictures = () => require('../../ui/exports') as typeof UiExports;
/* eslint-enable @typescript-eslint/no-require-imports */

export const timelineCommand = defineCommand({
  name: 'timeline',
  summary: "one patient's courses and flags as an SVG timeline (the page's picture)",
  usage: '<patient> --out FILE.svg [--source S]',
  positionals: 1,
  options: {
    out: { type: 'string', required: true, value: 'FILE.svg', description: 'the SVG file to write' },
    source: { type: 'string', value: 'S', description: 'the source, when <patient> is its local id' },
  },
  check(args) {
    if (args.positional.length !== 1) throw new UsageError('give exactly one patient id');
    const source = option(args, 'source');
    if (source !== undefined && !SOURCE_ID.test(source)) throw new UsageError('--source is not a source id');
  },
  async run(rt, args, print, ui) {
    const given = args.positional[0];
    const source = option(args, 'source');
    const patient = source && !belongsTo(given, source) ? namespacedId(source, given) : given;
    const file = resolve(required(args, 'out'));
    const picture = await pictures().timelineSvg(rt.store, patient);
    if (!picture)
      throw new CliError(
        `no course or flag is stored for patient ${patient} (use the namespaced id, e.g. hospa.p1)`,
      );
    await writeFile(file, picture.svg, 'utf8');
    if (ui.json) print(JSON.stringify({ patient, courses: picture.courses, flags: picture.flags, file }));
    else
      print(
        `timeline of ${patient}: ${picture.courses} course(s), ${picture.flags} flag(s) written to ${file}`,
      );
    return 0;
  },
});

export const cohortCommand = defineCommand({
  name: 'cohort',
  summary: "a source's registry figures and swimmer plot as a standalone HTML page",
  usage: '--out FILE.html [--source S] [--link-base URL]',
  options: {
    out: { type: 'string', required: true, value: 'FILE.html', description: 'the HTML file to write' },
    source: { type: 'string', value: 'S', description: 'the source (needed when several are stored)' },
    'link-base': {
      type: 'string',
      value: 'URL',
      description: 'base URL the lanes link to (default: this server)',
    },
  },
  check(args) {
    const source = option(args, 'source');
    if (source !== undefined && !SOURCE_ID.test(source)) throw new UsageError('--source is not a source id');
    const linkBase = option(args, 'link-base');
    // A prefix check, not a pattern: the value only has to be an http(s) URL without spaces or quotes.
    if (
      linkBase !== undefined &&
      (!(linkBase.startsWith('http://') || linkBase.startsWith('https://')) || /[\s"<>]/.test(linkBase))
    )
      throw new UsageError('--link-base must be an http(s) URL');
  },
  async run(rt, args, print, ui) {
    const file = resolve(required(args, 'out'));
    let source = option(args, 'source');
    if (source === undefined) {
      const sources = await pictures().listSources(rt.store);
      if (sources.length !== 1) {
        throw new CliError(
          sources.length
            ? `several sources are stored (${sources.join(', ')}): give --source`
            : 'no patient is stored yet',
        );
      }
      source = sources[0];
    }
    const linkBase =
      option(args, 'link-base') ?? rt.cfg.publicBaseUrl ?? `http://${rt.cfg.host}:${rt.cfg.port}`;
    const page = await pictures().cohortHtml(rt.store, source, linkBase);
    await writeFile(file, page.html, 'utf8');
    if (ui.json)
      print(
        JSON.stringify({ source, patients: page.patients, courses: page.courses, flags: page.flags, file }),
      );
    else
      print(
        `cohort of ${source}: ${page.patients} patient(s), ${page.courses} course(s), ${page.flags} flag(s) written to ${file}`,
      );
    return 0;
  },
});
