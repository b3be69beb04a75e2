/**
 * Patient timeline layout: one row per course on a shared date axis. Pure: course and flag views in,
 * positions and labels out (rendered by timeline-svg.ts). Every mark keeps its text alternative.
 *
 * Above the rows, one lane of patient events (diagnosis, HSCT, CAR-T, relapse, toxicity), each drawn
 * once even when several courses link it. Course row, top to bottom: flag lane(s) (flags stacked when
 * they would overlap), dose-step levels, the cycle bars (infusion days shaded, interruptions as gaps
 * with their length), then the per-cycle response marks.
 */
import type { CourseView, FlagView } from './model';
import {
  doseLabel,
  INDICATION_TEXT,
  LINK_STYLE,
  mrdLabel,
  RESPONSE_STYLE,
  responseText,
  SEVERITY_STYLE,
  type Shape,
} from './format';
import { DAY_MS, dateScale, day, ms, round, ticks, type AxisBreak, type DateScale, type Tick } from './scale';

export interface Span {
  x: number;
  w: number;
}

export interface GapMark extends Span {
  label: string;
  text: string;
}

export interface StepMark extends Span {
  y: number;
  label: string;
}

export interface PointMark {
  x: number;
  y: number;
  shape: Shape;
  colour: string;
  label: string;
  /** The mark's text alternative (SVG <title>). */
  text: string;
  /** Offset of the label below the mark. */
  labelDy?: number;
}

export interface CycleBar extends Span {
  number: number;
  y: number;
  h: number;
  text: string;
  infusion: Span[];
  gaps: GapMark[];
  steps: StepMark[];
  response: PointMark;
}

export interface FlagMark extends PointMark {
  id: string;
  severity: FlagView['severity'];
  withdrawn: boolean;
}

export interface CourseRow {
  courseId: string;
  label: string;
  sublabel: string;
  y: number;
  h: number;
  cycles: CycleBar[];
  flags: FlagMark[];
}

export interface TimelineLayout {
  width: number;
  height: number;
  axisY: number;
  ticks: Tick[];
  breaks: AxisBreak[];
  /** Patient events lane (centre line) and its marks. */
  eventsY: number;
  events: PointMark[];
  rows: CourseRow[];
  title: string;
  description: string;
}

export interface DatedRef {
  reference: string;
  at: string;
  label?: string;
}

export interface TimelineInput {
  patient: string;
  courses: CourseView[];
  flags: FlagView[];
  /** The courses' diagnosis Conditions with their dates (from the source resources). */
  diagnoses?: DatedRef[];
}

export const WIDTH = 1100;
const LABEL_W = 150;
const RIGHT = 20;
const FLAG_LANE = 16;
const STEP_H = 30;
const BAR_H = 18;
const EVENT_LANE = 26;
const EVENTS_H = 46;
const ROW_GAP = 14;
const TOP = 34;
const FLAG_MIN_GAP = 13;

/** The cycle's drawn end: its last infusion day, else day 1 plus its infusion and held days. */
export function cycleEndMs(c: CourseView['cycles'][number]): number {
  if (c.end && Number.isFinite(ms(c.end))) return ms(c.end);
  const heldDays = c.interruptions.reduce((n, i) => n + (ms(i.end) - ms(i.start)) / DAY_MS, 0);
  return ms(c.start) + Math.max(1, c.infusionDays + heldDays) * DAY_MS;
}

function infusionSpans(s: DateScale, c: CourseView['cycles'][number]): Span[] {
  const start = ms(c.start);
  const end = cycleEndMs(c);
  const holes = c.interruptions
    .map((i) => [Math.max(start, ms(i.start)), Math.min(end, ms(i.end))] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  const spans: Span[] = [];
  let from = start;
  for (const [a, b] of holes) {
    if (a > from) spans.push({ x: s.x(from), w: round(s.x(a) - s.x(from)) });
    from = Math.max(from, b);
  }
  if (end > from) spans.push({ x: s.x(from), w: round(s.x(end) - s.x(from)) });
  return spans;
}

function gapLength(i: { start: string; end: string; hours?: number }): string {
  const hours = i.hours ?? (ms(i.end) - ms(i.start)) / 3_600_000;
  return hours < 48 ? `${round(hours)} h` : `${round(hours / 24)} d`;
}

/** Greedy lanes: each flag goes to the lowest lane whose last mark is far enough to its left. */
function stackFlags(xs: number[]): number[] {
  const lastX: number[] = [];
  return xs.map((x) => {
    let lane = lastX.findIndex((lx) => x - lx >= FLAG_MIN_GAP);
    if (lane < 0) lane = lastX.length;
    lastX[lane] = x;
    return lane;
  });
}

export function flagText(f: FlagView): string {
  const grade = f.grade !== undefined ? `, grade ${f.grade}` : '';
  return `${f.withdrawn ? 'Withdrawn flag: ' : 'Flag: '}${f.display} (${f.severity} severity${grade}) on ${day(f.identifiedAt)}: ${f.detail}`;
}

/** Every course's linked events and the diagnoses, once each (several courses link the same HSCT). */
function patientEvents(s: DateScale, courses: CourseView[], diagnoses: DatedRef[], y: number): PointMark[] {
  const seen = new Map<string, PointMark>();
  for (const course of courses) {
    for (const l of course.links) {
      const key = `${l.kind}|${l.at}`;
      const style = LINK_STYLE[l.kind] ?? LINK_STYLE.toxicity;
      const known = seen.get(key);
      if (known) {
        // one mark per event; several findings of that day are listed in its text
        if (l.detail && !known.text.includes(l.detail)) known.text += `; ${l.detail}`;
        continue;
      }
      seen.set(key, {
        x: s.x(l.at),
        y,
        shape: style.shape,
        colour: style.colour,
        label: style.short,
        text: `${style.text} on ${day(l.at)}${l.detail ? `: ${l.detail}` : ''}`,
      });
    }
  }
  for (const d of diagnoses) {
    if (!courses.some((c) => c.diagnoses.includes(d.reference))) continue;
    const style = LINK_STYLE.diagnosis;
    seen.set(`dx|${d.reference}`, {
      x: s.x(d.at),
      y,
      shape: style.shape,
      colour: style.colour,
      label: style.short,
      text: `Diagnosis on ${day(d.at)}${d.label ? `: ${d.label}` : ''} (${d.reference})`,
    });
  }
  const marks = [...seen.values()].sort((a, b) => a.x - b.x);
  // labels of neighbouring marks alternate between two lines instead of overprinting
  marks.forEach((m, i) => {
    const prev = marks[i - 1];
    m.labelDy = prev && m.x - prev.x < 34 && prev.labelDy === 17 ? 27 : 17;
  });
  return marks;
}

export function layoutTimeline(input: TimelineInput): TimelineLayout {
  const courses = input.courses
    .filter((c) => c.status !== 'entered-in-error')
    .sort((a, b) => ms(a.start) - ms(b.start) || a.number - b.number);
  const instants: Array<string | number> = [];
  for (const c of courses) {
    instants.push(c.start, ...c.cycles.map(cycleEndMs), ...c.links.map((l) => l.at));
    if (c.end) instants.push(c.end);
  }
  instants.push(...input.flags.map((f) => f.identifiedAt), ...(input.diagnoses ?? []).map((d) => d.at));
  const s = dateScale(instants, LABEL_W, WIDTH - RIGHT);

  const eventsY = TOP + 12;
  const events = patientEvents(s, courses, input.diagnoses ?? [], eventsY);
  const rows: CourseRow[] = [];
  let y = TOP + EVENTS_H;
  for (const course of courses) {
    const own = input.flags
      .filter(
        (f) =>
          f.courseId === course.id || (!courses.some((c) => c.id === f.courseId) && course === courses[0]),
      )
      .sort((a, b) => ms(a.identifiedAt) - ms(b.identifiedAt) || a.id.localeCompare(b.id));
    const lanes = stackFlags(own.map((f) => s.x(f.identifiedAt)));
    const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
    const flagTop = y;
    const stepTop = flagTop + laneCount * FLAG_LANE + 4;
    const barY = stepTop + STEP_H;
    const eventY = barY + BAR_H + EVENT_LANE / 2 + 2;
    const h = barY + BAR_H + EVENT_LANE - y;

    const maxRate = Math.max(
      1,
      ...course.cycles.flatMap((c) => c.doseSteps.map((d) => d.mcgPerDay ?? d.mcgPerM2PerDay ?? 0)),
    );
    const cycles: CycleBar[] = course.cycles.map((c) => {
      const x = s.x(c.start);
      const end = cycleEndMs(c);
      const w = Math.max(2, round(s.x(end) - x));
      const style = RESPONSE_STYLE[c.response] ?? RESPONSE_STYLE['not-assessed'];
      const mrd = mrdLabel(c);
      return {
        number: c.number,
        x,
        w,
        y: barY,
        h: BAR_H,
        text: `Cycle ${c.number}: ${day(c.start)} to ${day(new Date(end).toISOString())}, ${c.infusionDays} infusion days, ${c.interruptions.length} interruption(s), response ${responseText(c.response)}, ${mrd}`,
        infusion: infusionSpans(s, c),
        gaps: c.interruptions.map((i) => ({
          x: s.x(i.start),
          w: Math.max(2, round(s.x(i.end) - s.x(i.start))),
          label: gapLength(i),
          text: `Interruption of ${gapLength(i)} from ${day(i.start)}${i.opensNewCycle ? ', opened a new cycle' : ''}`,
        })),
        steps: c.doseSteps.map((d) => {
          const rate = d.mcgPerDay ?? d.mcgPerM2PerDay ?? 0;
          const sx = s.x(d.start);
          const ex = d.end ? s.x(d.end) : s.x(end);
          return {
            x: sx,
            w: Math.max(2, round(ex - sx)),
            y: round(barY - 4 - (rate / maxRate) * (STEP_H - 14)),
            label: doseLabel(d),
          };
        }),
        response: {
          x: s.x(end),
          y: eventY,
          shape: style.shape,
          colour: style.colour,
          label: `C${c.number} ${responseText(c.response)}${c.mrdFraction !== undefined || c.mrdResponse !== 'not-assessed' ? ` · ${mrd}` : ''}`,
          text: `Response after cycle ${c.number}: ${responseText(c.response)}; ${mrd}`,
        },
      };
    });

    const flags: FlagMark[] = own.map((f, i) => {
      const st = SEVERITY_STYLE[f.severity];
      return {
        id: f.id,
        severity: f.severity,
        withdrawn: f.withdrawn,
        x: s.x(f.identifiedAt),
        y: flagTop + lanes[i] * FLAG_LANE + FLAG_LANE / 2,
        shape: st.shape,
        colour: f.withdrawn ? '#95a5a6' : st.colour,
        label: f.code,
        text: flagText(f),
      };
    });

    const bsa = course.bsa
      ? ` · BSA ${course.bsa.m2} m²${course.bsa.basis ? ` (${course.bsa.basis})` : ''}`
      : '';
    rows.push({
      courseId: course.id,
      label: `Course ${course.number}`,
      sublabel: `${INDICATION_TEXT[course.indication] ?? course.indication} · ${course.status}${course.endReason ? ` (${course.endReason})` : ''}${bsa}`,
      y,
      h,
      cycles,
      flags,
    });
    y += h + ROW_GAP;
  }

  const cycleCount = rows.reduce((n, r) => n + r.cycles.length, 0);
  const flagCount = rows.reduce((n, r) => n + r.flags.length, 0);
  return {
    width: WIDTH,
    height: y + 10,
    axisY: TOP - 14,
    ticks: ticks(s),
    breaks: s.breaks,
    eventsY,
    events,
    rows,
    title: `Blinatumomab timeline of patient ${input.patient}`,
    description: `${rows.length} course(s), ${cycleCount} cycle(s), ${flagCount} flag(s), from ${day(new Date(s.minMs).toISOString())} to ${day(new Date(s.maxMs).toISOString())}.`,
  };
}
