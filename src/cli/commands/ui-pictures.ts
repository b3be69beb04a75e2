/**
 * The pages' pictures as files (README "Timeline and cohort pages"):
 *   timeline <patient> --out FILE.svg      patient as a namespaced id (hospa.p1), or --source S with the local id
 *   cohort --out FILE.html [--source S] [--link-base URL]
 * Operator commands: they read every source, like `export`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { belongsTo, namespacedId, SOURCE_ID } from '../../identity';
import type { Store } from '../../store/store';
import { cohortHtml, listSources, timelineSvg } from '../../ui/exports';
import { only, option, required, UsageError, type Args } from '../args';

export const timelineUsage = 'timeline <patient> --out FILE.svg [--source S]';

export async function timelineCommand(
  store: Store,
  args: Args,
  print: (line: string) => void,
): Promise<number> {
  only(args, ['out', 'source']);
  const [given, ...extra] = args.positional;
  if (!given || extra.length) throw new UsageError('give exactly one patient id');
  const source = option(args, 'source');
  if (source !== undefined && !SOURCE_ID.test(source)) throw new UsageError('--source is not a source id');
  const patient = source && !belongsTo(given, source) ? namespacedId(source, given) : given;
  const file = resolve(required(args, 'out'));
  const picture = await timelineSvg(store, patient);
  if (!picture)
    throw new UsageError(
      `no course or flag is stored for patient ${patient} (use the namespaced id, e.g. hospa.p1)`,
    );
  await writeFile(file, picture.svg, 'utf8');
  print(`timeline of ${patient}: ${picture.courses} course(s), ${picture.flags} flag(s) written to ${file}`);
  return 0;
}

export const cohortUsage = 'cohort --out FILE.html [--source S] [--link-base URL]';

export async function cohortCommand(
  store: Store,
  args: Args,
  print: (line: string) => void,
  defaults: { linkBase?: string } = {},
): Promise<number> {
  only(args, ['out', 'source', 'link-base']);
  const file = resolve(required(args, 'out'));
  let source = option(args, 'source');
  if (source === undefined) {
    const sources = await listSources(store);
    if (sources.length !== 1) {
      throw new UsageError(
        sources.length
          ? `several sources are stored (${sources.join(', ')}): give --source`
          : 'no patient is stored yet',
      );
    }
    source = sources[0];
  }
  if (!SOURCE_ID.test(source)) throw new UsageError('--source is not a source id');
  const linkBase = option(args, 'link-base') ?? defaults.linkBase;
  if (linkBase !== undefined && !/^https?:\/\/[^\s"<>]+$/.test(linkBase)) {
    throw new UsageError('--link-base must be an http(s) URL');
  }
  const page = await cohortHtml(store, source, linkBase);
  await writeFile(file, page.html, 'utf8');
  print(
    `cohort of ${source}: ${page.patients} patient(s), ${page.courses} course(s), ${page.flags} flag(s) written to ${file}`,
  );
  return 0;
}
