/** `--source` checks shared by the commands that take one. */
import { SOURCE_ID } from '../../identity';
import type { Store } from '../../store/store';
import { option, UsageError, type Args } from '../args';
import { CliError } from '../command';

/** Syntax only (no connection): a source id is lower-case letters, digits and '-'. */
export function checkSourceSyntax(args: Args): void {
  const s = option(args, 'source');
  if (s !== undefined && !SOURCE_ID.test(s))
    throw new UsageError(`--source ${JSON.stringify(s)} is not a source id (lower-case letters, digits, -)`);
}

/** The sources that have patients in the store, sorted. */
export async function storedSources(store: Store): Promise<string[]> {
  const seen = new Set<string>();
  for await (const p of store.patients()) {
    const dot = p.indexOf('.');
    if (dot > 0) seen.add(p.slice(0, dot));
  }
  return [...seen].sort();
}

/** A source with no patient in the store is a mistake (a typo would otherwise print zeros). */
export async function requireKnownSource(store: Store, source: string | undefined): Promise<void> {
  if (source === undefined) return;
  const known = await storedSources(store);
  if (!known.includes(source))
    throw new CliError(
      `no patient of source ${JSON.stringify(source)} in this store (sources with patients: ${known.join(', ') || 'none'})`,
    );
}

/** Patients of the source (all when undefined), counted for a progress total. */
export async function countPatients(store: Store, source: string | undefined): Promise<number> {
  let n = 0;
  for await (const p of store.patients()) if (!source || p.startsWith(`${source}.`)) n++;
  return n;
}
