/**
 * A linear date axis: instants (ISO strings) to x positions, and calendar ticks (months or years,
 * whichever keeps the labels apart). Pure: no clock, no locale; all labels are UTC dates.
 */
export const DAY_MS = 86_400_000;

export interface AxisBreak {
  x: number;
  w: number;
  /** The time the break hides, e.g. "≈ 7 mo". */
  label: string;
}

/**
 * A shared date axis that is linear inside each stretch of activity and folds the empty stretches
 * between them (longer than `foldDays`) into fixed-width breaks, so a 4-week cycle stays readable on
 * a 5-year history. Monotone: a later instant is never drawn left of an earlier one.
 */
export interface DateScale {
  minMs: number;
  maxMs: number;
  x0: number;
  x1: number;
  segments: Array<{ from: number; to: number; x: number; w: number }>;
  breaks: AxisBreak[];
  x(iso: string | number): number;
}

export const ms = (iso: string | number): number => (typeof iso === 'number' ? iso : Date.parse(iso));

export const round = (v: number): number => Math.round(v * 10) / 10;

const BREAK_PX = 26;

function elapsed(days: number): string {
  return days >= 730 ? `≈ ${round(days / 365.25)} y` : `≈ ${Math.round(days / 30.44)} mo`;
}

export function dateScale(
  instants: Array<string | number>,
  x0: number,
  x1: number,
  opts: { padDays?: number; foldDays?: number } = {},
): DateScale {
  const pad = (opts.padDays ?? 7) * DAY_MS;
  const fold = (opts.foldDays ?? 75) * DAY_MS;
  const times = instants
    .map(ms)
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
  if (times.length === 0) times.push(0);
  const spans: Array<{ from: number; to: number }> = [];
  for (const t of times) {
    const last = spans[spans.length - 1];
    if (last && t - last.to <= fold) last.to = Math.max(last.to, t);
    else spans.push({ from: t, to: t });
  }
  for (const sp of spans) {
    sp.from -= pad;
    sp.to += pad;
    if (sp.to - sp.from < 21 * DAY_MS) {
      const mid = (sp.from + sp.to) / 2;
      sp.from = mid - 10.5 * DAY_MS;
      sp.to = mid + 10.5 * DAY_MS;
    }
  }
  const live = spans.reduce((n, sp) => n + (sp.to - sp.from), 0);
  const k = (x1 - x0 - (spans.length - 1) * BREAK_PX) / live;
  let x = x0;
  const segments: DateScale['segments'] = [];
  const breaks: AxisBreak[] = [];
  spans.forEach((sp, i) => {
    if (i > 0) {
      breaks.push({ x: round(x), w: BREAK_PX, label: elapsed((sp.from - spans[i - 1].to) / DAY_MS) });
      x += BREAK_PX;
    }
    const w = (sp.to - sp.from) * k;
    segments.push({ from: sp.from, to: sp.to, x, w });
    x += w;
  });
  const at = (t: number): number => {
    for (let i = 0; i < segments.length; i++) {
      const sg = segments[i];
      if (t <= sg.to || i === segments.length - 1) {
        if (t >= sg.from || i === 0) return round(sg.x + (t - sg.from) * k);
        // inside the break before this segment
        const prev = segments[i - 1];
        const f = (t - prev.to) / (sg.from - prev.to);
        return round(prev.x + prev.w + f * BREAK_PX);
      }
    }
    return x1;
  };
  return {
    minMs: spans[0].from,
    maxMs: spans[spans.length - 1].to,
    x0,
    x1,
    segments,
    breaks,
    x: (iso) => Math.min(x1, Math.max(x0, at(ms(iso)))),
  };
}

export interface Tick {
  x: number;
  label: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthLabel = (t: number) => `${MONTHS[new Date(t).getUTCMonth()]} ${new Date(t).getUTCFullYear()}`;

/**
 * Calendar ticks per segment: months (every 1, 2, 3 or 6) or years, whichever keeps labels
 * `minGapPx` apart; a segment too short for any tick is labelled at its start.
 */
export function ticks(s: DateScale, minGapPx = 56): Tick[] {
  const out: Tick[] = [];
  // a label must also keep clear of the break markers
  const clear = (x: number) => s.breaks.every((b) => x < b.x - 18 || x > b.x + b.w + 18);
  const push = (x: number, label: string) => {
    if ((out.length === 0 || x - out[out.length - 1].x >= minGapPx) && clear(x)) out.push({ x, label });
  };
  for (const sg of s.segments) {
    const pxPerMonth = (sg.w / (sg.to - sg.from)) * 30.44 * DAY_MS;
    const step = [1, 2, 3, 6, 12, 24, 60].find((m) => m * pxPerMonth >= minGapPx) ?? 120;
    const before = out.length;
    const start = new Date(sg.from);
    let y = start.getUTCFullYear();
    let m = start.getUTCMonth() + 1;
    for (let guard = 0; guard < 2000; guard++) {
      if (m > 11) {
        y += Math.floor(m / 12);
        m %= 12;
      }
      const t = Date.UTC(y, m, 1);
      if (t > sg.to) break;
      if ((y * 12 + m) % step === 0) push(s.x(t), step >= 12 ? String(y) : monthLabel(t));
      m += 1;
    }
    if (out.length === before) push(round(sg.x), monthLabel(sg.from + 3 * DAY_MS));
  }
  return out;
}

/** `2015-02-02` from an instant (UTC). */
export function day(iso: string): string {
  const t = ms(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : '?';
}
