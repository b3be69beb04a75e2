/**
 * The cohort page of one source: registry figures with numerator/denominator beside the published
 * references, and the swimmer plot whose lanes open each patient's timeline.
 */
import { cohortFigures } from './cohort-figures';
import { esc, percent } from './format';
import type { CourseView, FlagView } from './model';
import { renderPage, signedInNav, type Page } from './page';
import { layoutSwimmer, renderSwimmerSvg } from './swimmer';

export interface CohortInput {
  source: string;
  courses: CourseView[];
  flags: FlagView[];
  /** Lanes link to `<linkBase>/ui/patients/<id>` ('' on the site itself); absent: lanes are not links. */
  linkBase?: string;
  /** Sources an admin may switch to (empty: no chooser). */
  sources?: string[];
  /** Lanes drawn at most; figures always count everyone. */
  maxLanes?: number;
  note?: string;
  /** A file (CLI export): no sign-out button. */
  standalone?: boolean;
}

export function cohortBody(input: CohortInput): string {
  const fig = cohortFigures(input.courses, input.flags);
  const rows = fig.rows.map(
    (r) =>
      `<tr data-figure="${esc(r.key)}"><th scope="row">${esc(r.label)}</th><td class="num">${r.figure.numerator}/${r.figure.denominator}</td><td class="num">${esc(percent(r.figure.numerator, r.figure.denominator))}</td><td>${esc(r.reference || '–')}</td><td class="note">${esc(r.definition)}</td></tr>`,
  );
  const maxLanes = input.maxLanes ?? 400;
  const patients = [
    ...new Set(input.courses.filter((c) => c.status !== 'entered-in-error').map((c) => c.patient)),
  ];
  const shown = new Set(patients.sort().slice(0, maxLanes));
  const swimmer = layoutSwimmer(
    input.courses.filter((c) => shown.has(c.patient)),
    input.flags.filter((f) => shown.has(f.patient)),
    input.linkBase === undefined
      ? undefined
      : (p) => `${input.linkBase}/ui/patients/${encodeURIComponent(p)}`,
  );
  const chooser =
    input.sources && input.sources.length > 1
      ? `<form method="get" action="/ui/cohort" class="no-print"><label for="source">Source (admin)</label><select id="source" name="source">${input.sources
          .map((s) => `<option value="${esc(s)}"${s === input.source ? ' selected' : ''}>${esc(s)}</option>`)
          .join('')}</select> <button type="submit">Show</button></form>`
      : '';
  return `${chooser}
<p>Source <strong>${esc(input.source)}</strong>: ${fig.patients} patient(s), ${fig.courses} course(s). Figures are computed from the stored course and flag resources (withdrawn ones excluded), response figures per patient's first course, toxicity per course.</p>
${input.note ? `<p class="note">${esc(input.note)}</p>` : ''}
<section aria-labelledby="fig-h"><h2 id="fig-h">Registry figures and published references</h2>
<table class="figures"><thead><tr><th scope="col">figure</th><th scope="col">n/N</th><th scope="col">rate</th><th scope="col">published reference</th><th scope="col">definition (numerator / denominator)</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="note">A small cohort's rate has a wide uncertainty: read n/N, not the percentage alone. Censored MRD results (“&lt;0.01%”) count as below 10⁻⁴.</p></section>
<section aria-labelledby="swim-h"><h2 id="swim-h">Swimmer plot</h2>
${patients.length > shown.size ? `<p class="note">Showing ${shown.size} of ${patients.length} patients (first by id); the figures above count all.</p>` : ''}
${patients.length ? `<figure>${renderSwimmerSvg(swimmer)}</figure>` : '<p>No courses stored for this source yet.</p>'}
</section>`;
}

export function cohortPage(input: CohortInput): Page {
  return renderPage({
    title: `Cohort ${input.source} · bitebridge`,
    heading: `Cohort: blinatumomab courses of ${input.source}`,
    body: cohortBody(input),
    nav: input.standalone ? '' : signedInNav([]),
  });
}
