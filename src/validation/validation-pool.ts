/**
 * `$validate` off the API's event loop. Validating a large Bundle takes hundreds of milliseconds of
 * CPU; on the API thread that would stall every other request (and /healthz). Its thread loads the
 * ~150 MB of definitions, returned when an idle thread exits (see thread-pool.ts).
 */
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { ThreadPool, type ThreadPoolOptions } from '../thread-pool';
import type { ValidateTask } from './validate-thread';

export type ValidationPool = ThreadPool<ValidateTask, OperationOutcome>;

export function validationPool(opts: ThreadPoolOptions): ValidationPool {
  return new ThreadPool(join(__dirname, 'validate-thread'), opts);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's `$validate` pool (ops and tests read its in-flight count). */
    validationPool?: ValidationPool;
  }
}
