/**
 * The body of a UI page thread (see render-pool.ts): one page per call. The cohort page summarises
 * and draws every course and flag of a source, tens to hundreds of milliseconds of CPU for a large
 * registry, so it is rendered here rather than on the API's event loop.
 */
import { cohortPage, type CohortInput } from './cohort-page';
import type { Page } from './page';
import { timelinePage, type TimelinePageInput } from './timeline-page';

export type RenderTask =
  { page: 'cohort'; input: CohortInput } | { page: 'timeline'; input: TimelinePageInput };

export default function renderTask(task: RenderTask): Page {
  return task.page === 'cohort' ? cohortPage(task.input) : timelinePage(task.input);
}
