/**
 * The /ui routes: sign-in (token once → session cookie), the patient timeline and the cohort page.
 * Thin: auth and visibility here, data in data.ts, pictures in the pure layout modules. Pages are
 * HTML, errors too (a browser is the client); everything is `no-store` (clinical data).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { digest, type TokenRegistry } from '../auth/tokens';
import { SOURCE_ID } from '../identity';
import type { Store } from '../store/store';
import { ThreadPoolBusy } from '../thread-pool';
import { listSources, loadPatient, resolvePatient } from './data';
import { esc } from './format';
import { renderPage, signedInNav, type Page } from './page';
import type { RenderPool } from './render-pool';
import type { RenderTask } from './render-thread';
import { cookieGrant, sessionCookie, type Sessions } from './session';

export interface UiDeps {
  store: Store;
  tokens: TokenRegistry;
  sessions: Sessions;
  /** Where the timeline and cohort pages are drawn: off the API's event loop. */
  pages: RenderPool;
  /** The Redis (and key prefix) the pages thread reads a cohort from, over its own connection. */
  pagesRedis: { url: string; prefix: string };
  /** PUBLIC_BASE_URL when set: decides the cookie's Secure flag behind a TLS proxy. */
  publicBaseUrl?: string;
}

const FORM_LIMIT = 4096;

function send(reply: FastifyReply, page: Page, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('Content-Security-Policy', page.csp)
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(page.html);
}

function message(reply: FastifyReply, status: number, heading: string, text: string): FastifyReply {
  const body = `<p>${esc(text)}</p><p><a href="/ui/cohort">Cohort</a></p>`;
  return send(reply, renderPage({ title: heading, heading, body, nav: signedInNav([]) }), status);
}

/** A page drawn in the pool; when its queue is full, 503 with Retry-After (nothing waits unbounded). */
async function sendRendered(reply: FastifyReply, pages: RenderPool, task: RenderTask): Promise<FastifyReply> {
  try {
    return send(reply, await pages.run(task));
  } catch (err) {
    if (!(err instanceof ThreadPoolBusy)) throw err;
    reply.header('Retry-After', '2');
    return message(reply, 503, 'Busy', 'Too many pages are being drawn right now; try again in a moment.');
  }
}

/** Only a path of this UI: never another host, never `//evil`. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/ui\/[A-Za-z0-9\-._~/%]*$/.test(next) && !next.includes('//')
    ? next
    : '/ui/cohort';
}

function signInPage(next: string, error?: string): Page {
  const body = `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/ui/sign-in">
<label for="token">API token (scope <code>read</code>)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required minlength="16" maxlength="512">
<input type="hidden" name="next" value="${esc(next)}">
<p><button type="submit">Sign in</button></p>
<p class="note">The token is checked once; the browser then keeps an HttpOnly session cookie (8 hours). It never appears in a URL.</p>
</form>`;
  return renderPage({ title: 'Sign in · bitebridge', heading: 'bitebridge: sign in', body });
}

/** Register with `{ prefix: '/ui' }`: the parser and handlers below then apply to /ui only. */
export async function uiRoutes(app: FastifyInstance, deps: UiDeps): Promise<void> {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500)
      req.log.error({ err: { message: err instanceof Error ? err.message : 'error' } }, 'ui page failed');
    return message(
      reply,
      status >= 400 && status < 600 ? status : 500,
      status === 413 ? 'Too large' : status >= 500 ? 'Error' : 'Bad request',
      status >= 500
        ? 'The page could not be built; see the server log for the request id.'
        : 'The request was not understood.',
    );
  });
  app.setNotFoundHandler((_req, reply) => message(reply, 404, 'Not found', 'No such page.'));

  const secure = (req: FastifyRequest) =>
    req.protocol === 'https' || !!deps.publicBaseUrl?.startsWith('https:');

  /**
   * A form posted from another site (login CSRF: signing the victim in as someone else) is refused:
   * browsers send Origin on every POST (the pages' Referrer-Policy is same-origin, not no-referrer, so a
   * same-origin form sends its real Origin rather than "null").
   */
  function crossSite(req: FastifyRequest): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    try {
      return new URL(origin).host !== req.headers.host;
    } catch {
      return true;
    }
  }

  /** Signed in (cookie or bearer) with `read`, else off to the sign-in form (GET) or 401. */
  async function signedIn(req: FastifyRequest, reply: FastifyReply) {
    if (!req.grant) {
      const next = encodeURIComponent(safeNext(req.url.split('?')[0]));
      return reply.code(303).header('Cache-Control', 'no-store').redirect(`/ui/sign-in?next=${next}`, 303);
    }
    if (!req.grant.scopes.includes('read'))
      return message(reply, 403, 'Forbidden', "This token lacks the 'read' scope.");
  }

  app.get('/', async (_req, reply) => reply.redirect('/ui/cohort', 303));

  app.get<{ Querystring: { next?: string } }>('/sign-in', async (req, reply) =>
    send(reply, signInPage(safeNext(req.query.next))),
  );

  app.post<{ Body: { token?: unknown; next?: unknown } }>('/sign-in', async (req, reply) => {
    if (crossSite(req)) return message(reply, 403, 'Forbidden', 'Sign in from this site’s own form.');
    const body = req.body && typeof req.body === 'object' ? req.body : {};
    const next = safeNext(body.next);
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const grant = token ? deps.tokens.lookup(`Bearer ${token}`) : undefined;
    const narrowed = grant ? cookieGrant(grant) : undefined;
    if (!narrowed || !narrowed.scopes.includes('read')) {
      req.log.info({ signIn: 'refused' }, 'ui sign-in refused');
      return send(
        reply,
        signInPage(next, grant ? "This token lacks the 'read' scope." : 'Unknown token.'),
        401,
      );
    }
    req.log.info({ signIn: 'ok', source: narrowed.source }, 'ui sign-in');
    return reply
      .header(
        'Set-Cookie',
        sessionCookie(deps.sessions.issue(digest(token)), {
          maxAge: deps.sessions.ttlSeconds,
          secure: secure(req),
        }),
      )
      .header('Cache-Control', 'no-store')
      .redirect(next, 303);
  });

  app.post('/sign-out', async (req, reply) =>
    crossSite(req)
      ? message(reply, 403, 'Forbidden', 'Sign out from this site’s own pages.')
      : reply
          .header('Set-Cookie', sessionCookie('', { maxAge: 0, secure: secure(req) }))
          .redirect('/ui/sign-in', 303),
  );

  app.get<{ Params: { id: string } }>('/patients/:id', { onRequest: signedIn }, async (req, reply) => {
    const source = req.grant!.source;
    const patient = /^[A-Za-z0-9\-.]{1,64}$/.test(req.params.id)
      ? await resolvePatient(deps.store, source, req.params.id)
      : undefined;
    if (!patient)
      return message(reply, 404, 'Not found', `No patient ${req.params.id} is known to source ${source}.`);
    const data = await loadPatient(deps.store, source, patient);
    req.log.info({ patient, courses: data.courses.length, flags: data.flags.length }, 'ui timeline');
    return sendRendered(reply, deps.pages, { page: 'timeline', input: { ...data, fhirBase: '' } });
  });

  app.get<{ Querystring: { source?: string } }>('/cohort', { onRequest: signedIn }, async (req, reply) => {
    const grant = req.grant!;
    const admin = grant.scopes.includes('admin');
    const asked = req.query.source;
    if (asked !== undefined && !SOURCE_ID.test(asked))
      return message(reply, 400, 'Bad request', 'Unknown source id.');
    if (asked !== undefined && asked !== grant.source && !admin) {
      return message(reply, 403, 'Forbidden', "Choosing another source needs the 'admin' scope.");
    }
    const source = asked ?? grant.source;
    const own = source === grant.source;
    req.log.info({ source }, 'ui cohort');
    const sources = admin ? [...new Set([grant.source, ...(await listSources(deps.store))])].sort() : [];
    return sendRendered(reply, deps.pages, {
      page: 'cohort',
      input: {
        source,
        redis: deps.pagesRedis,
        linkBase: own ? '' : undefined,
        sources,
        ...(own
          ? {}
          : {
              note: 'Timelines (and their FHIR evidence links) open only for your own source: lanes here are not links.',
            }),
      },
    });
  });
}
