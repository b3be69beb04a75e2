/** The UI pages' thread pool: pages are rendered off the API's event loop (see render-thread.ts). */
import { join } from 'node:path';
import { ThreadPool, type ThreadPoolOptions } from '../thread-pool';
import type { Page } from './page';
import type { RenderTask } from './render-thread';

export type RenderPool = ThreadPool<RenderTask, Page>;

export function renderPool(opts: ThreadPoolOptions): RenderPool {
  return new ThreadPool(join(__dirname, 'render-thread'), opts);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The UI pages' pool (tests read its in-flight count). */
    uiRenderPool?: RenderPool;
  }
}
