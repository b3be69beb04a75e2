/**
 * Fastify plugin for the FHIR wire format on /fhir: JSON body parsing for application/fhir+json and
 * application/json (secure parse: `__proto__` and `constructor.prototype` keys are rejected), a JSON
 * depth limit, and one error handler that turns every failure into an OperationOutcome with the
 * right status — never a 500 for bad input.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FhirError, issue } from '../fhir/outcome';
import { DEFAULT_JSON_LIMITS, findLimitBreach, limitError, type JsonLimits } from '../ingest/json-limits';
import { isRedisFull, isRedisUnavailable } from '../redis';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendOutcome(reply: FastifyReply, err: FhirError): FastifyReply {
  return reply.code(err.status).type(FHIR_JSON).send(err.outcome);
}

const FASTIFY_ERRORS: Record<string, [number, Parameters<typeof issue>[0], string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'not-supported',
    'Unsupported Content-Type: send application/fhir+json or application/json',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too-costly', 'Request body exceeds the size limit (BODY_LIMIT_BYTES)'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'structure', 'Empty JSON body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'structure', 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'not-supported', 'Missing Content-Type'],
};

export function toFhirError(err: FastifyError | Error): FhirError {
  if (err instanceof FhirError) return err;
  const fe = err as FastifyError;
  const known = fe.code ? FASTIFY_ERRORS[fe.code] : undefined;
  if (known) return new FhirError(known[0], issue(known[1], known[2]));
  if (fe.validation) return new FhirError(400, issue('invalid', `Invalid request: ${fe.message}`));
  if (fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new FhirError(400, issue('structure', 'Malformed JSON body'));
  }
  if (isRedisUnavailable(err)) {
    return new FhirError(
      503,
      issue('transient', 'Storage is temporarily unavailable; nothing was accepted. Retry later.'),
    );
  }
  if (isRedisFull(err)) {
    return new FhirError(
      503,
      issue('transient', 'Storage is full (Redis maxmemory); nothing was accepted. Retry later.'),
    );
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new FhirError(fe.statusCode, issue('invalid', fe.message));
  }
  return new FhirError(
    500,
    issue('exception', 'Internal error; the request was not processed. See server logs for the request id.'),
  );
}

export interface FhirJsonOptions {
  bodyLimit: number;
  depthLimit: number;
  /** Entries, array, string limits; depth comes from depthLimit. */
  limits?: Partial<Omit<JsonLimits, 'maxDepth'>>;
}

/** Media types some /fhir answer can have: FHIR JSON, NDJSON (bulk files), CSV (registry export). */
const PRODUCED = [
  'application/fhir+json',
  'application/json',
  'application/fhir+ndjson',
  'application/ndjson',
  'text/csv',
];

/**
 * True when an Accept header admits one of the produced types (a missing header admits anything).
 * Parsed by splitting on ',' and ';' only: no regular expression runs over the header.
 */
export function acceptsProduced(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    if (type === '*/*' || type === 'application/*' || type === 'text/*') return true;
    return PRODUCED.includes(type);
  });
}

/** `_format` values that ask for something other than JSON (XML, Turtle). */
function formatParamRefused(url: string): boolean {
  const qs = url.indexOf('?');
  if (qs < 0) return false;
  const f = new URLSearchParams(url.slice(qs + 1)).get('_format');
  return (
    f !== null &&
    ![
      'json',
      'application/json',
      'application/fhir+json',
      'ndjson',
      'application/fhir+ndjson',
      'application/ndjson',
    ].includes(f.toLowerCase())
  );
}

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/**
 * The JSON `req.body` was parsed from, as received (its UTF-8 bytes, after the edge checks), so ingest
 * records the payload as received instead of serialising the parsed body again (in a profile of the
 * API under ingest load, that serialisation was its largest step of its own). Parsing the bytes again
 * gives the same value: the parser refuses `__proto__` and `constructor.prototype` keys, and a leading
 * byte order mark, which it skips but JSON.parse does not, is dropped here.
 */
export function rawJsonOf(req: FastifyRequest): Buffer | undefined {
  return rawBodies.get(req);
}

/** UTF-8's byte order mark (EF BB BF), which the parser skips. */
const hasByteOrderMark = (b: Buffer) => b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

async function fhirJson(app: FastifyInstance, opts: FhirJsonOptions): Promise<void> {
  // 406 before anything else (auth included): XML and other formats are not produced here.
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/fhir')) return;
    if (acceptsProduced(req.headers.accept) && !formatParamRefused(req.url)) return;
    return sendOutcome(
      reply,
      new FhirError(
        406,
        issue('not-supported', 'Only FHIR JSON is produced (application/fhir+json); XML is not supported'),
      ),
    );
  });

  const limits: JsonLimits = { ...DEFAULT_JSON_LIMITS, ...opts.limits, maxDepth: opts.depthLimit };
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/fhir+json'],
    // As bytes: the parser decodes them once, and the ingest log stores the same bytes without
    // encoding a decoded copy back to UTF-8 (a sixth of the API's CPU under ingest load).
    { parseAs: 'buffer', bodyLimit: opts.bodyLimit },
    (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
      // The parser takes bytes as well as text (secure-json-parse decodes them); its type says text.
      secureParse(req, body as string, (err: Error | null, value?: unknown) => {
        if (err) {
          const proto = /prototype|__proto__|constructor/i.test(err.message);
          return done(
            new FhirError(
              400,
              issue(
                'structure',
                proto
                  ? 'Forbidden key (__proto__ or constructor.prototype) in JSON body'
                  : 'Malformed JSON body',
              ),
            ),
          );
        }
        const breach = findLimitBreach(value, limits);
        if (breach) return done(limitError(breach));
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
        rawBodies.set(req, hasByteOrderMark(bytes) ? bytes.subarray(3) : bytes);
        done(null, value);
      });
    },
  );

  app.setErrorHandler((err: FastifyError, req, reply) => {
    // A client that closed its connection mid-body fails the read with ECONNRESET, which would read
    // as Redis being down: nobody gets the answer, and ops get no false storage warning.
    if (req.raw.socket?.destroyed) {
      req.log.info({ code: err.code }, 'client closed the connection before the answer');
      return sendOutcome(
        reply,
        new FhirError(400, issue('incomplete', 'The request was not received whole')),
      );
    }
    const fe = toFhirError(err);
    if (fe.status === 503) {
      reply.header('Retry-After', '5');
      // Our own text (Redis down or full, the storage high-water mark, a full $validate queue): no PHI.
      req.log.warn({ status: 503, reason: fe.outcome.issue[0]?.diagnostics }, 'answered 503');
    } else if (fe.status >= 500)
      req.log.error({ err: { message: err.message, code: err.code, stack: err.stack } }, 'request failed');
    else req.log.info({ status: fe.status, code: (err as FastifyError).code }, 'request rejected');
    return sendOutcome(reply, fe);
  });

  app.setNotFoundHandler((req, reply) => {
    sendOutcome(
      reply,
      new FhirError(404, issue('not-found', `No route for ${req.method} ${req.url.split('?')[0]}`)),
    );
  });
}

export const fhirJsonPlugin = fp(fhirJson, { name: 'fhir-json' });
