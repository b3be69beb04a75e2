/**
 * The body of a UI page thread (see render-pool.ts): one page per call. The cohort page reads,
 * parses, summarises and draws every course and flag of a source: for a large registry that is
 * hundreds of milliseconds of CPU (2,000 patients: ~0.5 s, most of it parsing the stored JSON). So the
 * thread does all of it, reading Redis over its own connection; the API's event loop only checks the
 * request and hands over the source id.
 */
import { Redis } from 'ioredis';
import { Store } from '../store/store';
import { cohortPage, type CohortInput } from './cohort-page';
import { loadCohort } from './data';
import type { Page } from './page';
import { timelinePage, type TimelinePageInput } from './timeline-page';

/** The cohort page's input without its courses and flags, which the thread reads from `redis`. */
export type CohortTask = Omit<CohortInput, 'courses' | 'flags'> & { redis: { url: string; prefix: string } };

export type RenderTask =
  { page: 'cohort'; input: CohortTask } | { page: 'timeline'; input: TimelinePageInput };

/** One connection per Redis and prefix, for the thread's life (an idle thread exits, closing it). */
const stores = new Map<string, Store>();
function storeFor(url: string, prefix: string): Store {
  const k = `${prefix} ${url}`;
  let store = stores.get(k);
  if (!store) {
    // As the API's own connection: a Redis that is down fails the page soon, not after minutes.
    store = new Store(new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000 }), prefix);
    stores.set(k, store);
  }
  return store;
}

export default async function renderTask(task: RenderTask): Promise<Page> {
  if (task.page === 'timeline') return timelinePage(task.input);
  const { redis, ...input } = task.input;
  return cohortPage({ ...input, ...(await loadCohort(storeFor(redis.url, redis.prefix), input.source)) });
}
