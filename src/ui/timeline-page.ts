/**
 * The patient timeline page: the SVG, then the same facts as text (a table per course, and one
 * expandable entry per flag with its detail and evidence, each evidence resource linked to its FHIR
 * read URL). Clicking a flag mark opens and focuses its entry; without script the entries still open.
 */
import { doseLabel, esc, INDICATION_TEXT, mrdLabel, responseText, SEVERITY_STYLE } from './format';
import type { EvidenceLine } from './evidence';
import type { CourseView, FlagView } from './model';
import { renderPage, signedInNav, type Page } from './page';
import { day } from './scale';
import { layoutTimeline, type TimelineInput } from './timeline-layout';
import { renderTimelineSvg } from './timeline-svg';

export const FLAG_SCRIPT = `(function(){
function show(id){var d=document.getElementById('flag-'+id);if(!d)return;d.open=true;d.scrollIntoView({block:'nearest'});var s=d.querySelector('summary');if(s)s.focus();}
document.querySelectorAll('.flag-mark').forEach(function(m){
m.addEventListener('click',function(){show(m.getAttribute('data-flag'));});
m.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();show(m.getAttribute('data-flag'));}});
});})();`;

export interface TimelinePageInput extends TimelineInput {
  evidence: ReadonlyMap<string, EvidenceLine[]>;
  /** Prefix of FHIR read links ('' for same-origin `/fhir/...`). */
  fhirBase: string;
}

function courseTable(c: CourseView): string {
  const rows = c.cycles.map((y) => {
    const steps = y.doseSteps.map((d) => `${esc(doseLabel(d))} from ${esc(day(d.start))}`).join('<br>');
    const gaps = y.interruptions
      .map((i) => {
        const len = i.hours !== undefined ? (i.hours < 48 ? `${i.hours} h` : `${i.hours / 24} d`) : '';
        return `${esc(day(i.start))} ${esc(len)}${i.opensNewCycle ? ' (new cycle)' : ''}`;
      })
      .join('<br>');
    return `<tr><td class="num">${y.number}</td><td>${esc(day(y.start))}</td><td>${esc(y.end ? day(y.end) : 'ongoing')}</td><td class="num">${y.infusionDays}</td><td>${steps || '–'}</td><td>${gaps || '–'}</td><td>${esc(responseText(y.response))}</td><td>${esc(mrdLabel(y))}</td></tr>`;
  });
  const links = c.links
    .map((l) => `${esc(l.kind)} ${esc(l.timing)} (${esc(day(l.at))})${l.detail ? `: ${esc(l.detail)}` : ''}`)
    .join('; ');
  const bsa = c.bsa ? `; BSA ${esc(c.bsa.m2)} m²${c.bsa.basis ? ` (${esc(c.bsa.basis)})` : ''}` : '';
  return `<h3>Course ${c.number}: ${esc(day(c.start))} to ${esc(c.end ? day(c.end) : 'ongoing')}</h3>
<p class="note">${esc(INDICATION_TEXT[c.indication] ?? c.indication)}; ${esc(c.status)}${c.endReason ? `, ended: ${esc(c.endReason)}` : ''}${bsa}${links ? `; linked: ${links}` : ''}</p>
<table><caption class="note">Cycles of course ${c.number}</caption><thead><tr><th>cycle</th><th>start</th><th>last infusion</th><th>infusion days</th><th>dose steps</th><th>interruptions</th><th>response</th><th>MRD</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function evidenceTable(lines: EvidenceLine[], fhirBase: string): string {
  if (lines.length === 0) return '<p class="note">No evidence references.</p>';
  const rows = lines.map((e) => {
    const href = `${fhirBase}/fhir/${encodeURIComponent(e.type)}/${encodeURIComponent(e.id)}`;
    const link = `<a class="evidence-link" href="${esc(href)}">${esc(e.reference)}</a>`;
    return `<tr><td>${esc(e.type)}</td><td>${link}${e.found ? '' : ' <span class="error">(not stored)</span>'}</td><td>${esc(e.version ?? '–')}</td><td>${esc(e.date ? day(e.date) : '–')}</td><td>${esc(e.value ?? '–')}</td></tr>`;
  });
  return `<table class="evidence"><thead><tr><th>type</th><th>resource (FHIR read)</th><th>version</th><th>date</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function flagEntry(f: FlagView, evidence: EvidenceLine[], fhirBase: string, course?: CourseView): string {
  const st = SEVERITY_STYLE[f.severity];
  const grade = f.grade !== undefined ? `, grade ${f.grade}` : '';
  return `<details class="flag-detail${f.withdrawn ? ' withdrawn' : ''}" id="flag-${esc(f.id)}" data-flag="${esc(f.id)}">
<summary><span class="sev-${f.severity}" aria-hidden="true">${st.symbol}</span> <span class="what">${esc(f.display)}</span> · ${esc(f.severity)} severity${esc(grade)} · ${esc(day(f.identifiedAt))}${course ? ` · course ${course.number}` : ''}${f.withdrawn ? ' · <strong>withdrawn</strong> (evidence corrected or entered in error)' : ''}</summary>
<p${f.withdrawn ? ' class="withdrawn-text"' : ''}>${esc(f.detail)}</p>
<p class="note">Flag <a href="${esc(`${fhirBase}/fhir/DetectedIssue/${encodeURIComponent(f.id)}`)}">DetectedIssue/${esc(f.id)}</a>, code ${esc(f.code)}</p>
${evidenceTable(evidence, fhirBase)}
</details>`;
}

export function timelineBody(input: TimelinePageInput): string {
  const layout = layoutTimeline(input);
  const courses = [...input.courses]
    .filter((c) => c.status !== 'entered-in-error')
    .sort((a, b) => a.number - b.number);
  const flags = [...input.flags].sort(
    (a, b) => Date.parse(a.identifiedAt) - Date.parse(b.identifiedAt) || a.id.localeCompare(b.id),
  );
  const active = flags.filter((f) => !f.withdrawn).length;
  return `<p>${esc(layout.description)} ${active} active flag(s)${flags.length > active ? `, ${flags.length - active} withdrawn (shown struck through)` : ''}. Select a flag mark for its evidence.</p>
<figure>${renderTimelineSvg(layout)}</figure>
<section aria-labelledby="flags-h"><h2 id="flags-h">Flags</h2>
${
  flags.length
    ? flags
        .map((f) =>
          flagEntry(
            f,
            input.evidence.get(f.id) ?? [],
            input.fhirBase,
            courses.find((c) => c.id === f.courseId),
          ),
        )
        .join('\n')
    : '<p>No flags.</p>'
}
</section>
<section aria-labelledby="courses-h"><h2 id="courses-h">Courses</h2>${courses.length ? courses.map(courseTable).join('\n') : '<p>No blinatumomab course for this patient.</p>'}</section>`;
}

export function timelinePage(input: TimelinePageInput): Page {
  return renderPage({
    title: `Timeline ${input.patient} · bitebridge`,
    heading: `Patient ${input.patient}: blinatumomab timeline`,
    body: timelineBody(input),
    script: FLAG_SCRIPT,
    nav: signedInNav([['/ui/cohort', 'Cohort']]),
  });
}
