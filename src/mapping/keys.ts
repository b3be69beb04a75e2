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
