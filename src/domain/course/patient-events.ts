/**
 * One patient's events made order-independent: duplicates collapsed by eventId, sorted by time then id,
 * and the "as of" time (the latest time anywhere in the data) that stands in for "now".
 */
import type { ClinicalEvent, EventKind, EventOf } from '../events';
import { DAY_MS, toMs } from '../time';

/**
 * Calendar day number of a charted time: the date as charted (local to the hospital, the first 10
 * characters of a dateTime), so a bag hung at 00:30+01:00 counts on the day the ward saw.
 */
export function calendarDay(t: string): number {
  const date = t.length >= 10 ? t.slice(0, 10) : t;
  return Math.floor(toMs(date) / DAY_MS);
}

/** ISO date of a calendar day number. */
export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Orders two charted times. Both with a time of day: by instant. Otherwise by calendar day, so a date-only
 * fact on a course's first day is neither before nor after a bag hung at 08:00 that day.
 */
export function compareCharted(a: string, b: string): number {
  if (a.includes('T') && b.includes('T')) return toMs(a) - toMs(b);
  return calendarDay(a) - calendarDay(b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical JSON (sorted keys) of a value, used only to break ties between conflicting duplicates. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareStrings(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Keeps one event per eventId. Identical ids are the same fact; when two copies differ (a resource seen in
 * two versions) the one from the higher source version wins, then the canonically smaller one.
 */
export function dedupeEvents(events: readonly ClinicalEvent[]): ClinicalEvent[] {
  const byId = new Map<string, { event: ClinicalEvent; key: string }>();
  for (const event of events) {
    const key = canonical(event);
    const prev = byId.get(event.eventId);
    if (!prev) {
      byId.set(event.eventId, { event, key });
      continue;
    }
    const v = event.source.versionId ?? '';
    const pv = prev.event.source.versionId ?? '';
    if (v > pv || (v === pv && key < prev.key)) byId.set(event.eventId, { event, key });
  }
  return [...byId.values()].map((e) => e.event).sort(compareEvents);
}

/** By instant of `at`, then eventId: a total order, so every later step is deterministic. */
export function compareEvents(a: ClinicalEvent, b: ClinicalEvent): number {
  return toMs(a.at) - toMs(b.at) || compareStrings(a.eventId, b.eventId);
}

/** The latest time charted anywhere in the patient's data; course activity is judged as of this. */
export function asOfTime(events: readonly ClinicalEvent[]): string | undefined {
  let latest: string | undefined;
  for (const e of events) {
    for (const t of [e.at, e.end]) {
      if (t === undefined) continue;
      if (latest === undefined || toMs(t) > toMs(latest) || (toMs(t) === toMs(latest) && t > latest))
        latest = t;
    }
  }
  return latest;
}

/** Events of one kind, keeping the sorted order. */
export function ofKind<K extends EventKind>(events: readonly ClinicalEvent[], kind: K): EventOf<K>[] {
  return events.filter((e): e is EventOf<K> => e.kind === kind);
}

/**
 * A charted percentage with its comparator, as a number that compares correctly against thresholds:
 * "<5%" must read as below 5 (a remission marrow), ">5%" as above it. The nudge is far below any
 * clinically meaningful difference.
 */
export function effectivePercent(e: {
  percent?: number;
  comparator?: '<' | '<=' | '>=' | '>';
}): number | undefined {
  if (e.percent === undefined) return undefined;
  if (e.comparator === '<') return e.percent - 1e-9;
  if (e.comparator === '>') return e.percent + 1e-9;
  return e.percent;
}
