/**
 * `$validate`: POST /fhir/{type}/$validate and POST /fhir/$validate (a Bundle, or Parameters with
 * `resource` and `profile`). Answers 200 with an OperationOutcome whether or not the resource is valid,
 * as the FHIR operation defines; stores nothing. An integration engineer tests a feed with it.
 */
import type { FastifyInstance } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { ThreadPoolBusy } from '../../thread-pool';
import type { ValidationPool } from '../../validation/validation-pool';
import { requireScope } from '../auth';
import { FHIR_JSON } from '../fhir-json';
import { addResourceCapability, type Capabilities } from './metadata';

export const VALIDATE_DEFINITION = 'http://hl7.org/fhir/OperationDefinition/Resource-validate';

/** Validation runs in `pool` (worker threads), never on the API's event loop. */
export function validateRoutes(types: Iterable<string>, pool: ValidationPool) {
  return async (app: FastifyInstance, caps: Capabilities): Promise<void> => {
    const opts = { onRequest: requireScope('ingest') };
    const answer = async (body: unknown, resourceType?: string, profileUrl?: string) => {
      if (body === undefined || body === null || typeof body !== 'object') {
        throw new FhirError(400, issue('structure', 'Expected a FHIR resource or Parameters body'));
      }
      try {
        return await pool.run({ body, resourceType, profileUrl });
      } catch (err) {
        if (!(err instanceof ThreadPoolBusy)) throw err;
        throw new FhirError(
          503,
          issue('transient', 'Too many $validate requests in progress; retry shortly'),
        );
      }
    };
    app.post<{ Querystring: { profile?: string } }>('/fhir/$validate', opts, async (req, reply) =>
      reply.type(FHIR_JSON).send(await answer(req.body, undefined, req.query.profile)),
    );
    app.post<{ Params: { type: string }; Querystring: { profile?: string } }>(
      '/fhir/:type/$validate',
      opts,
      async (req, reply) =>
        reply.type(FHIR_JSON).send(await answer(req.body, req.params.type, req.query.profile)),
    );
    caps.systemOperations.push({ name: 'validate', definition: VALIDATE_DEFINITION });
    for (const t of types)
      addResourceCapability(caps, t, { operation: [{ name: 'validate', definition: VALIDATE_DEFINITION }] });
  };
}
