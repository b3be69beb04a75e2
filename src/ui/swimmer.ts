/**
 * Cohort swimmer plot: one lane per patient, x = months since the patient's first course day 1,
 * cycles as bar segments, a response mark per cycle and a severity mark per flag; each lane links
 * to the patient's timeline. Lanes are ordered longest follow-up first (the usual swimmer reading).
 */
import { esc, RESPONSE_STYLE, responseText, SEVERITY_STYLE, shapePath } from './format';
import type { CourseView, FlagView } from './model';
import { DAY_MS, ms, round } from './scale';
import { cycleEndMs, flagText } from './timeline-layout';

export interface SwimmerLane {
  patient: string;
  href?: string;
  y: number;
  label: string;
  text: string;
  cycles: Array<{ course: number; number: number; x: number; w: number; text: string }>;
  responses: Array<{ x: number; category: string; text: string }>;
  flags: Array<{ id: string; x: number; severity: FlagView['severity']; withdrawn: boolean; text: string }>;
}

export interface SwimmerLayout {
  width: number;
  height: number;
  x0: number;
  pxPerDay: number;
  ticks: Array<{ x: number; label: string }>;
  lanes: SwimmerLane[];
}

const WIDTH = 1100;
const X0 = 170;
const LANE_H = 22;
const TOP = 26;

export function layoutSwimmer(
  courses: CourseView[],
  flags: FlagView[],
  href?: (patient: string) => string | undefined,
): SwimmerLayout {
  const live = courses.filter((c) => c.status !== 'entered-in-error');
  const patients = [...new Set(live.map((c) => c.patient))];
  const spans = patients.map((p) => {
    const own = live.filter((c) => c.patient === p).sort((a, b) => ms(a.start) - ms(b.start));
    const t0 = ms(own[0].start);
    const ends = [
      ...own.flatMap((c) => c.cycles.map(cycleEndMs)),
      ...flags.filter((f) => f.patient === p).map((f) => ms(f.identifiedAt)),
      ...own.map((c) => (c.end ? ms(c.end) : t0)),
    ];
    return { patient: p, courses: own, t0, days: (Math.max(t0, ...ends) - t0) / DAY_MS };
  });
  spans.sort((a, b) => b.days - a.days || a.patient.localeCompare(b.patient));
  const maxDays = Math.max(30, ...spans.map((s) => s.days)) + 7;
  const pxPerDay = (WIDTH - 30 - X0) / maxDays;
  const x = (t: number, t0: number) => round(X0 + ((t - t0) / DAY_MS) * pxPerDay);

  const lanes = spans.map((s, i): SwimmerLane => {
    const y = TOP + i * LANE_H;
    const cycles = s.courses.flatMap((c) =>
      c.cycles.map((y2) => {
        const cx = x(ms(y2.start), s.t0);
        return {
          course: c.number,
          number: y2.number,
          x: cx,
          w: Math.max(2, round(x(cycleEndMs(y2), s.t0) - cx)),
          text: `Course ${c.number} cycle ${y2.number}: ${y2.infusionDays} infusion days, ${responseText(y2.response)}`,
        };
      }),
    );
    const responses = s.courses.flatMap((c) =>
      c.cycles.map((y2) => ({
        x: x(cycleEndMs(y2), s.t0),
        category: y2.response,
        text: `Course ${c.number} cycle ${y2.number} response: ${responseText(y2.response)}`,
      })),
    );
    const own = flags.filter((f) => f.patient === s.patient);
    const link = href?.(s.patient);
    return {
      patient: s.patient,
      ...(link ? { href: link } : {}),
      y,
      label: s.patient,
      text: `Patient ${s.patient}: ${s.courses.length} course(s), ${cycles.length} cycle(s), ${own.length} flag(s), ${Math.round(s.days)} days of follow-up`,
      cycles,
      responses,
      flags: own.map((f) => ({
        id: f.id,
        x: x(ms(f.identifiedAt), s.t0),
        severity: f.severity,
        withdrawn: f.withdrawn,
        text: flagText(f),
      })),
    };
  });

  const stepMonths = [1, 2, 3, 6, 12, 24].find((m) => m * 30.44 * pxPerDay >= 40) ?? 48;
  const ticks: SwimmerLayout['ticks'] = [];
  for (let m = 0; m * 30.44 <= maxDays; m += stepMonths) {
    ticks.push({ x: round(X0 + m * 30.44 * pxPerDay), label: `${m} mo` });
  }
  return { width: WIDTH, height: TOP + lanes.length * LANE_H + 30, x0: X0, pxPerDay, ticks, lanes };
}

export function renderSwimmerSvg(l: SwimmerLayout): string {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${l.width} ${l.height}" width="${l.width}" height="${l.height}" role="img" aria-labelledby="sw-title sw-desc" class="swimmer" font-family="sans-serif" font-size="11">`,
    `<title id="sw-title">Swimmer plot: blinatumomab courses per patient</title>`,
    `<desc id="sw-desc">${l.lanes.length} patient(s); x axis: months since each patient's first course day 1. Bars are cycles; circles responses (filled: CR/CRh/CRi, cross: no response, ring: not assessed); triangles, diamonds and dots are high, moderate and low severity flags.</desc>`,
    `<g class="axis" aria-hidden="true">`,
  ];
  for (const t of l.ticks) {
    out.push(
      `<line x1="${t.x}" y1="18" x2="${t.x}" y2="${l.height - 24}" stroke="#e5e8e8"/><text x="${t.x}" y="14" text-anchor="middle" font-size="9">${esc(t.label)}</text>`,
    );
  }
  out.push(`</g>`);
  for (const lane of l.lanes) {
    const mid = lane.y + 11;
    const inner: string[] = [`<title>${esc(lane.text)}</title>`];
    inner.push(
      `<text x="6" y="${mid + 4}" font-size="10" ${lane.href ? 'fill="#1a5276" text-decoration="underline"' : ''}>${esc(lane.label.slice(0, 26))}</text>`,
    );
    for (const c of lane.cycles) {
      inner.push(
        `<rect class="swim-cycle" x="${c.x}" y="${mid - 5}" width="${c.w}" height="10" fill="#aed6f1" stroke="#2e86c1"><title>${esc(c.text)}</title></rect>`,
      );
    }
    for (const r of lane.responses) {
      const st = RESPONSE_STYLE[r.category] ?? RESPONSE_STYLE['not-assessed'];
      const line = st.shape === 'cross' || st.shape === 'ring';
      inner.push(
        `<path class="swim-response" d="${shapePath(st.shape, r.x, mid, 4)}" fill="${line ? '#fff' : st.colour}" stroke="${line ? st.colour : '#fff'}" stroke-width="${line ? 2 : 0.8}"><title>${esc(r.text)}</title></path>`,
      );
    }
    for (const f of lane.flags) {
      const st = SEVERITY_STYLE[f.severity];
      inner.push(
        `<path class="swim-flag" data-flag="${esc(f.id)}" d="${shapePath(st.shape, f.x, mid - 9, 4.5)}" fill="${f.withdrawn ? '#fff' : st.colour}" stroke="${f.withdrawn ? '#95a5a6' : '#fff'}" stroke-width="${f.withdrawn ? 1.5 : 0.6}"><title>${esc(f.text)}</title></path>`,
      );
    }
    const body = inner.join('');
    out.push(
      lane.href
        ? `<a class="lane" href="${esc(lane.href)}" data-patient="${esc(lane.patient)}" aria-label="${esc(lane.text)}">${body}</a>`
        : `<g class="lane" data-patient="${esc(lane.patient)}">${body}</g>`,
    );
  }
  out.push(`</svg>`);
  return out.join('\n');
}
