/**
 * A linear date axis: instants (ISO strings) to x positions, and calendar ticks (months or years,
 * whichever keeps the labels apart). Pure: no clock, no locale; all labels are UTC dates.
 */
export const DAY_MS = 86_400_000;

export interface DateScale {
  minMs: number;
  maxMs: number;
  x0: number;
  x1: number;
  x(iso: string | number): number;
}

export const ms = (iso: string | number): number => (typeof iso === 'number' ? iso : Date.parse(iso));

/** A scale over [min, max] of the given instants, padded by `padDays` each side. */
export function dateScale(instants: Array<string | number>, x0: number, x1: number, padDays = 7): DateScale {
  const times = instants.map(ms).filter((t) => Number.isFinite(t));
  const now = times.length ? times : [0];
  let minMs = Math.min(...now) - padDays * DAY_MS;
  let maxMs = Math.max(...now) + padDays * DAY_MS;
  if (maxMs - minMs < 30 * DAY_MS) {
    const mid = (minMs + maxMs) / 2;
    minMs = mid - 15 * DAY_MS;
    maxMs = mid + 15 * DAY_MS;
  }
  const k = (x1 - x0) / (maxMs - minMs);
  return { minMs, maxMs, x0, x1, x: (iso) => round(x0 + (ms(iso) - minMs) * k) };
}

export const round = (v: number): number => Math.round(v * 10) / 10;

export interface Tick {
  x: number;
  label: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Month ticks (every 1, 2, 3 or 6 months) when they fit at `minGapPx`, else year ticks. */
export function ticks(s: DateScale, minGapPx = 48): Tick[] {
  const pxPerMonth = ((s.x1 - s.x0) / (s.maxMs - s.minMs)) * 30.4 * DAY_MS;
  const step = [1, 2, 3, 6, 12, 24, 60].find((m) => m * pxPerMonth >= minGapPx) ?? 120;
  const start = new Date(s.minMs);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth() + 1;
  const out: Tick[] = [];
  for (let guard = 0; guard < 2000; guard++) {
    if (m > 11) {
      y += Math.floor(m / 12);
      m %= 12;
    }
    const t = Date.UTC(y, m, 1);
    if (t > s.maxMs) break;
    if ((y * 12 + m) % step === 0) {
      out.push({ x: s.x(t), label: step >= 12 ? String(y) : `${MONTHS[m]} ${y}` });
    }
    m += 1;
  }
  return out;
}

/** `2015-02-02` from an instant (UTC). */
export function day(iso: string): string {
  const t = ms(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : '?';
}
