/**
 * Renders a timeline layout as one self-contained SVG (no external fonts, styles or scripts), used
 * inline by the page and written as a file by the CLI. Every mark carries a <title> (its text
 * alternative); flag marks are focusable buttons (role, tabindex, data-flag) for the page's script.
 */
import { esc, LINK_STYLE, RESPONSE_STYLE, SEVERITY_STYLE, shapePath, type Shape } from './format';
import type { PointMark, TimelineLayout } from './timeline-layout';

const LEGEND_H = 46;

/** Words into at most three lines of `width` characters (SVG text does not wrap). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && (last + ' ' + word).length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length > 3
    ? [
        ...lines.slice(0, 2),
        `${lines
          .slice(2)
          .join(' ')
          .slice(0, width - 1)}…`,
      ]
    : lines;
}

function mark(m: PointMark, r: number, hollow = false): string {
  const d = shapePath(m.shape, m.x, m.y, r);
  const line = m.shape === 'cross' || m.shape === 'ring' || hollow;
  return line
    ? `<path d="${d}" fill="#fff" stroke="${m.colour}" stroke-width="2"/>`
    : `<path d="${d}" fill="${m.colour}" stroke="#fff" stroke-width="0.8"/>`;
}

function legend(y: number): string {
  const items: Array<{ shape: Shape; colour: string; text: string; hollow?: boolean }> = [
    ...(['high', 'moderate', 'low'] as const).map((s) => ({
      shape: SEVERITY_STYLE[s].shape,
      colour: SEVERITY_STYLE[s].colour,
      text: `${s} flag`,
    })),
    { shape: 'circle', colour: '#95a5a6', text: 'withdrawn flag', hollow: true },
    { shape: RESPONSE_STYLE.CR.shape, colour: RESPONSE_STYLE.CR.colour, text: 'CR/CRh/CRi' },
    { shape: 'cross', colour: RESPONSE_STYLE['no-response'].colour, text: 'no response' },
    { shape: 'ring', colour: RESPONSE_STYLE['not-assessed'].colour, text: 'not assessed' },
    { shape: LINK_STYLE.hsct.shape, colour: LINK_STYLE.hsct.colour, text: 'HSCT' },
    { shape: LINK_STYLE['cd19-therapy'].shape, colour: LINK_STYLE['cd19-therapy'].colour, text: 'CAR-T' },
    { shape: 'bar', colour: LINK_STYLE.diagnosis.colour, text: 'Dx / relapse / tox' },
  ];
  const parts = items.map((it, i) => {
    const x = 160 + i * 94;
    const m: PointMark = { x, y, shape: it.shape, colour: it.colour, label: '', text: it.text };
    return `${mark(m, 5, it.hollow)}<text x="${x + 9}" y="${y + 4}" class="small">${esc(it.text)}</text>`;
  });
  return (
    `<g class="legend" aria-label="Legend">` +
    `<rect x="10" y="${y - 9}" width="14" height="10" fill="#aed6f1" stroke="#2e86c1"/>` +
    `<text x="28" y="${y}" class="small">infusion days</text>` +
    `<rect x="10" y="${y + 7}" width="14" height="10" fill="url(#held)" stroke="#7f8c8d"/>` +
    `<text x="28" y="${y + 16}" class="small">interruption</text>` +
    parts.join('') +
    `</g>`
  );
}

export function renderTimelineSvg(t: TimelineLayout): string {
  const height = t.height + LEGEND_H;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${t.width} ${height}" width="${t.width}" height="${height}" ` +
      `role="img" aria-labelledby="tl-title tl-desc" class="timeline" font-family="sans-serif" font-size="11">`,
    `<title id="tl-title">${esc(t.title)}</title><desc id="tl-desc">${esc(t.description)}</desc>`,
    `<defs><pattern id="held" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#7f8c8d" stroke-width="2"/></pattern>` +
      `<style>.small{font-size:9px;fill:#333}.lbl{font-size:12px;font-weight:bold;fill:#111}.sub{font-size:9.5px;fill:#555}` +
      `.flag-mark{cursor:pointer}.flag-mark:focus{outline:none}.flag-mark:focus path,.flag-mark:hover path{stroke:#000;stroke-width:2}` +
      `.withdrawn text{text-decoration:line-through}</style></defs>`,
  );
  // axis
  out.push(`<g class="axis" aria-hidden="true">`);
  for (const k of t.ticks) {
    out.push(
      `<line x1="${k.x}" y1="${t.axisY + 4}" x2="${k.x}" y2="${t.height - 6}" stroke="#e5e8e8"/>` +
        `<text x="${k.x}" y="${t.axisY}" text-anchor="middle" class="small">${esc(k.label)}</text>`,
    );
  }
  for (const b of t.breaks) {
    const m = b.x + b.w / 2;
    out.push(
      `<rect x="${b.x + 3}" y="${t.axisY + 4}" width="${b.w - 6}" height="${t.height - t.axisY - 10}" fill="#f8f9f9"/>` +
        `<path d="M${m - 5} ${t.axisY + 14}l4 -8M${m + 1} ${t.axisY + 14}l4 -8" stroke="#566573"/>` +
        `<text x="${m}" y="${t.height - 2}" text-anchor="middle" class="small">${esc(b.label)}</text>`,
    );
  }
  out.push(`</g>`);
  out.push(
    `<g class="patient-events"><text x="8" y="${t.eventsY + 4}" class="sub">Patient events</text>` +
      t.events
        .map(
          (m) =>
            `<g class="event-mark"><title>${esc(m.text)}</title>${mark(m, 6)}` +
            `<text x="${m.x}" y="${m.y + (m.labelDy ?? 17)}" text-anchor="middle" class="small">${esc(m.label)}</text></g>`,
        )
        .join('') +
      `</g>`,
  );

  for (const row of t.rows) {
    out.push(`<g class="course-row" data-course="${esc(row.courseId)}">`);
    out.push(
      `<text x="8" y="${row.y + row.h / 2 - 8}" class="lbl">${esc(row.label)}</text>` +
        wrap(row.sublabel, 27)
          .map(
            (line, i) => `<text x="8" y="${row.y + row.h / 2 + 5 + i * 11}" class="sub">${esc(line)}</text>`,
          )
          .join('') +
        `<line x1="150" y1="${row.y + row.h}" x2="${t.width - 20}" y2="${row.y + row.h}" stroke="#d5d8dc"/>`,
    );
    for (const c of row.cycles) {
      out.push(`<g class="cycle-bar" data-cycle="${c.number}"><title>${esc(c.text)}</title>`);
      out.push(
        `<rect x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}" fill="#ebf5fb" stroke="#2e86c1"/>`,
      );
      for (const s of c.infusion) {
        out.push(
          `<rect class="infusion" x="${s.x}" y="${c.y}" width="${s.w}" height="${c.h}" fill="#aed6f1"/>`,
        );
      }
      for (const g of c.gaps) {
        out.push(
          `<g class="gap"><title>${esc(g.text)}</title><rect x="${g.x}" y="${c.y - 2}" width="${g.w}" height="${c.h + 4}" fill="url(#held)" stroke="#7f8c8d"/>` +
            `<text x="${g.x + g.w / 2}" y="${c.y + c.h + 10}" text-anchor="middle" class="small">${esc(g.label)}</text></g>`,
        );
      }
      out.push(
        `<text x="${c.x + 3}" y="${c.y + c.h - 5}" class="small" font-weight="bold">C${c.number}</text>`,
      );
      for (const s of c.steps) {
        out.push(
          `<g class="dose-step"><title>Dose ${esc(s.label)}</title><path d="M${s.x} ${s.y}h${s.w}" stroke="#1b4f72" stroke-width="2.5"/>` +
            // a label wider than its step would run into the next one: the <title> still says it
            (s.w >= s.label.length * 4.6 || s === c.steps[c.steps.length - 1]
              ? `<text x="${s.x + 1}" y="${s.y - 3}" class="small">${esc(s.label)}</text>`
              : '') +
            `</g>`,
        );
      }
      out.push(`</g>`);
      const r = c.response;
      out.push(
        `<g class="response" data-response="${esc(r.label)}"><title>${esc(r.text)}</title>${mark(r, 5)}` +
          `<text x="${r.x + 8}" y="${r.y + 3}" class="small">${esc(r.label)}</text></g>`,
      );
    }
    // Stems first, under every mark and deaf to the pointer: a stacked flag's stem must not cover
    // the mark below it.
    out.push(
      `<g class="flag-stems" aria-hidden="true" pointer-events="none">` +
        row.flags
          .map(
            (f) =>
              `<line x1="${f.x}" y1="${f.y}" x2="${f.x}" y2="${row.cycles[0]?.y ?? f.y}" stroke="${f.colour}" stroke-dasharray="2 2"/>`,
          )
          .join('') +
        `</g>`,
    );
    for (const f of row.flags) {
      out.push(
        `<g class="flag-mark${f.withdrawn ? ' withdrawn' : ''}" data-flag="${esc(f.id)}" data-severity="${f.severity}" ` +
          `role="button" tabindex="0" aria-label="${esc(f.text)}"><title>${esc(f.text)}</title>` +
          `${mark(f, 6, f.withdrawn)}</g>`,
      );
    }
    out.push(`</g>`);
  }
  out.push(legend(t.height + 14));
  out.push(`</svg>`);
  return out.join('\n');
}
