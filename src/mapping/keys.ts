/** Coding keys and unit strings, normalised so that lookups are one Map.get. */

/** Canonical system of a coding system URI (aliases such as OIDs resolved). */
export function canonicalSystem(system: string, aliases: ReadonlyMap<string, string>): string {
  const s = system.trim();
  return aliases.get(s) ?? s;
}

/** Index key of a (system, code) pair. ICD-10 style systems compare without dots and case. */
export function codingKey(
  system: string,
  code: string,
  aliases: ReadonlyMap<string, string>,
  dotless: ReadonlySet<string>,
): string {
  const sys = canonicalSystem(system, aliases);
  const c = dotless.has(sys) ? code.trim().replace(/\./g, '').toUpperCase() : code.trim();
  return `${sys}|${c}`;
}

/** Unit normal form: trimmed, no spaces, lower case, micro sign read as 'u'. */
export function normUnit(unit: string): string {
  return unit.trim().replace(/\s+/g, '').replace(/[µμ]/g, 'u').toLowerCase();
}

/**
 * A charted unit as it may appear in an issue: unit-like strings only, so free text typed into a unit
 * field never reaches logs or OperationOutcomes.
 */
export function shownUnit(unit: string | undefined): string {
  if (unit === undefined || unit === '') return 'no unit';
  return /^[A-Za-z0-9*^/.%{}[\]()µμ°'-]{1,24}$/.test(unit)
    ? `unit ${JSON.stringify(unit)}`
    : 'an unrecognised unit';
}
