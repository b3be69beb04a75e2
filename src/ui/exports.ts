/**
 * The pages' pictures as files, for the CLI (`timeline`, `cohort`): the same layout code as the
 * pages, read from the store for one patient or one source (operator tools: any source).
 */
import { sourceOf } from '../identity';
import type { Store } from '../store/store';
import { cohortPage } from './cohort-page';
import { listSources, loadCohort, loadPatient } from './data';
import { layoutTimeline } from './timeline-layout';
import { renderTimelineSvg } from './timeline-svg';
import { trimTrailingSlashes } from '../api/base-url';

export interface TimelineFile {
  svg: string;
  courses: number;
  flags: number;
}

/** The timeline SVG of a namespaced patient id, or undefined when nothing is stored for it. */
export async function timelineSvg(store: Store, patient: string): Promise<TimelineFile | undefined> {
  const source = sourceOf(patient);
  if (!source) return undefined;
  const data = await loadPatient(store, source, patient);
  if (data.courses.length === 0 && data.flags.length === 0) return undefined;
  const svg = `<?xml version="1.0" encoding="UTF-8"?>\n${renderTimelineSvg(layoutTimeline(data))}\n`;
  return { svg, courses: data.courses.length, flags: data.flags.length };
}

export interface CohortFile {
  html: string;
  source: string;
  patients: number;
  courses: number;
  flags: number;
}

/** The cohort page of one source as a standalone HTML file; lanes link to `<linkBase>/ui/patients/<id>`. */
export async function cohortHtml(store: Store, source: string, linkBase?: string): Promise<CohortFile> {
  const data = await loadCohort(store, source);
  const base = linkBase === undefined ? undefined : trimTrailingSlashes(linkBase);
  const page = cohortPage({
    source,
    ...data,
    standalone: true,
    linkBase: base,
  });
  return {
    html: page.html,
    source,
    patients: new Set(data.courses.map((c) => c.patient)).size,
    courses: data.courses.length,
    flags: data.flags.length,
  };
}

export { listSources };
