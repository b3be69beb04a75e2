/**
 * Time arithmetic for charted FHIR dates. Charts mix `date` (2015-02-03) and `dateTime`
 * (2015-02-03T08:00:00+01:00) precision; everything is compared as epoch milliseconds, with a bare
 * date read as midnight UTC of that day. Pure and deterministic (no "now").
 */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Epoch ms of a FHIR date/dateTime/instant. Partial dates (YYYY, YYYY-MM) read as the first day. */
export function toMs(t: string): number {
  let s = t;
  if (/^\d{4}$/.test(s)) s += '-01-01';
  else if (/^\d{4}-\d{2}$/.test(s)) s += '-01';
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RangeError(`not a FHIR date/dateTime: ${t}`);
  return ms;
}

/** True when the value carries a time of day (so hour-level gaps are meaningful). */
export function hasTime(t: string): boolean {
  return t.includes('T');
}

export function compareTime(a: string, b: string): number {
  return toMs(a) - toMs(b);
}

/** Whole calendar days from a to b (UTC), b − a. */
export function daysBetween(a: string, b: string): number {
  const day = (t: string) => Math.floor(toMs(t) / DAY_MS);
  return day(b) - day(a);
}

export function hoursBetween(a: string, b: string): number {
  return (toMs(b) - toMs(a)) / HOUR_MS;
}

export function addDays(t: string, days: number): string {
  return new Date(toMs(t) + days * DAY_MS).toISOString();
}

/** ISO date (YYYY-MM-DD) of a time, UTC. */
export function isoDate(t: string): string {
  return new Date(toMs(t)).toISOString().slice(0, 10);
}
