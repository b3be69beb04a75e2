/**
 * FHIR date/dateTime/instant search values as half-open ms ranges, and the `_lastUpdated` prefixes
 * turned into an inclusive [min, max] window on the last-updated score. A value without a time zone
 * is read as UTC (the server's zone; the FHIR spec leaves it to the server).
 */
const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface MsRange {
  /** First ms of the value's precision range. */
  lo: number;
  /** First ms after it (exclusive). */
  hi: number;
}

/** Parses a FHIR date/dateTime into the range its precision covers; undefined when malformed. */
export function parseDateRange(value: string): MsRange | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const offsetMs =
    tz && tz !== 'Z'
      ? (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000
      : 0;
  const Y = Number(y);
  const M = mo ? Number(mo) - 1 : 0;
  const D = d ? Number(d) : 1;
  if (M > 11 || D < 1 || D > 31) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const lo = Date.UTC(Y, M, D, h ? Number(h) : 0, mi ? Number(mi) : 0, s ? Number(s) : 0, ms) - offsetMs;
  if (Number.isNaN(lo) || new Date(lo + offsetMs).getUTCDate() !== D) return undefined;
  let hi: number;
  if (!mo) hi = Date.UTC(Y + 1, 0, 1);
  else if (!d) hi = Date.UTC(Y, M + 1, 1);
  else if (!h) hi = Date.UTC(Y, M, D + 1);
  else if (!s) hi = lo + 60_000;
  else if (!frac) hi = lo + 1000;
  else hi = lo + 1;
  return { lo, hi };
}

export const DATE_PREFIXES = ['eq', 'gt', 'ge', 'lt', 'le', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** Inclusive window on a last-updated ms value. */
export interface Window {
  min: number;
  max: number;
}

export const ALL_TIME: Window = { min: -Infinity, max: Infinity };

/** `ge2026-01-01` → the window of last-updated values it admits; undefined when malformed. */
export function prefixedDateWindow(param: string): Window | undefined {
  const p = /^(eq|gt|ge|lt|le|sa|eb)/.exec(param)?.[1] as DatePrefix | undefined;
  const range = parseDateRange(p ? param.slice(2) : param);
  if (!range) return undefined;
  switch (p ?? 'eq') {
    case 'eq':
      return { min: range.lo, max: range.hi - 1 };
    case 'ge':
      return { min: range.lo, max: Infinity };
    case 'gt':
    case 'sa':
      return { min: range.hi, max: Infinity };
    case 'le':
      return { min: -Infinity, max: range.hi - 1 };
    case 'lt':
    case 'eb':
      return { min: -Infinity, max: range.lo - 1 };
  }
}

export function intersect(a: Window, b: Window): Window {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}
