/**
 * The admin ingest page (scope `admin`; browsers may use HTTP Basic with the token as password):
 * what was acknowledged and is not done, next to bull-board (/admin/queues), which shows jobs only.
 * - GET /admin/ingest: HTML: active alerts, pending payloads and dead letters (counts, oldest ages),
 *   failed jobs per queue with the way to replay them, and one page of the dead-letter list.
 * - GET /admin/ingest/dead-letters?offset=&count=: the same list as JSON, oldest parked first.
 * A letter shows its resource key, source, version, attempts, error class and times: never the
 * resource, its patient or an error message (which could quote resource content).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { alertsOf, ALERTING_QUEUES, type IngestHealth } from '../../ops/ingest-health';
import { QUEUE_NAMES } from '../../queue/queues';
import type { DeadLetter, DeadLetters } from '../../store/dead-letters';
import { esc } from '../../ui/format';
import { renderPage } from '../../ui/page';
import { requireScope } from '../auth';

const PAGE_SIZE = 50;
const MAX_COUNT = 500;

/** The fields of a letter an operator sees: ids, counts, class names and times. */
export interface DeadLetterView {
  key: string;
  source: string;
  versionId: string;
  attempts: number;
  error: string;
  /** ms; absent on letters parked before it was recorded. */
  parkedAt?: number;
  dueAt: number;
}

/** An explicit projection, so a field added to DeadLetter later is never shown by accident. */
export function viewOf(l: DeadLetter): DeadLetterView {
  return {
    key: l.key,
    source: l.source,
    versionId: l.versionId,
    attempts: l.attempts,
    error: l.error,
    ...(l.parkedAt === undefined ? {} : { parkedAt: l.parkedAt }),
    dueAt: l.dueAt,
  };
}

function intParam(raw: unknown, def: number, max: number): number {
  const n = Number(raw);
  return raw === undefined || raw === '' || !Number.isInteger(n) || n < 0 ? def : Math.min(n, max);
}

function age(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

const since = (now: number, ms: number | undefined) =>
  ms === undefined ? null : Math.max(0, Math.floor((now - ms) / 1000));

function send(reply: FastifyReply, html: string, csp: string): FastifyReply {
  return reply
    .header('Content-Security-Policy', csp)
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(html);
}

export async function adminIngestRoutes(
  app: FastifyInstance,
  deps: { health: IngestHealth; deadLetters: DeadLetters },
): Promise<void> {
  const guard = requireScope('admin', { basicRealm: 'bitebridge admin' });

  app.get<{ Querystring: { offset?: string; count?: string } }>(
    '/admin/ingest/dead-letters',
    { onRequest: guard },
    async (req, reply) => {
      const offset = intParam(req.query.offset, 0, Number.MAX_SAFE_INTEGER);
      const count = Math.max(1, intParam(req.query.count, PAGE_SIZE, MAX_COUNT));
      const [total, letters] = await Promise.all([
        deps.deadLetters.count(),
        deps.deadLetters.list(offset, count),
      ]);
      const next = offset + letters.length;
      reply.header('Cache-Control', 'no-store');
      return {
        total,
        offset,
        count: letters.length,
        letters: letters.map(viewOf),
        ...(letters.length === count && next < total ? { nextOffset: next } : {}),
      };
    },
  );

  app.get<{ Querystring: { offset?: string } }>('/admin/ingest', { onRequest: guard }, async (req, reply) => {
    const now = Date.now();
    const offset = intParam(req.query.offset, 0, Number.MAX_SAFE_INTEGER);
    const [f, letters] = await Promise.all([
      deps.health.figures(now),
      deps.deadLetters.list(offset, PAGE_SIZE),
    ]);
    const threshold = deps.health.pendingAlertSeconds;
    const alerts = alertsOf(f, threshold);
    const alertList = alerts.length
      ? `<ul>${alerts.map((a) => `<li class="error">${esc(a.alert)}: ${esc(a.summary)}</li>`).join('')}</ul>`
      : '<p>No active alerts.</p>';
    const figures = `<table>
<tr><th scope="row">Pending payloads</th><td class="num">${f.pendingPayloads}</td></tr>
<tr><th scope="row">Oldest pending payload</th><td class="num">${age(f.oldestPendingSeconds)}</td></tr>
<tr><th scope="row">Pending longer than ${threshold} s (PENDING_ALERT_SECONDS)</th><td class="num">${f.stalePendingPayloads}</td></tr>
<tr><th scope="row">Dead letters</th><td class="num">${f.deadLetters}</td></tr>
<tr><th scope="row">Oldest dead letter</th><td class="num">${age(f.oldestDeadLetterSeconds)}</td></tr>
</table>`;
    const failedRows = QUEUE_NAMES.map((q) => {
      const n = f.failedJobs[q];
      const open = `<a href="/admin/queues/queue/${esc(q)}?status=failed">open in the queue dashboard</a>`;
      const note = ALERTING_QUEUES.includes(q)
        ? ''
        : ' <span class="note">(includes rejected payloads, which fail by design; not alerted)</span>';
      const replay =
        n > 0 ? `${open}; replay all: <code>POST /admin/queues-api/${esc(q)}/retry-failed</code>` : '';
      return `<tr><td>${esc(q)}${note}</td><td class="num">${n}</td><td>${replay}</td></tr>`;
    }).join('');
    const rows = letters
      .map(viewOf)
      .map((l) => {
        const due = l.dueAt <= now ? 'due' : `in ${age(Math.ceil((l.dueAt - now) / 1000))}`;
        return `<tr><td><code>${esc(l.key)}</code></td><td>${esc(l.source)}</td><td>${esc(l.versionId)}</td><td class="num">${l.attempts}</td><td>${esc(l.error)}</td><td class="num">${age(since(now, l.parkedAt))}</td><td>${due}</td></tr>`;
      })
      .join('');
    const pager = [
      offset > 0 ? `<a href="/admin/ingest?offset=${Math.max(0, offset - PAGE_SIZE)}">previous</a>` : '',
      offset + letters.length < f.deadLetters && letters.length === PAGE_SIZE
        ? `<a href="/admin/ingest?offset=${offset + PAGE_SIZE}">next</a>`
        : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const shown = letters.length ? `${offset + 1}–${offset + letters.length} of ${f.deadLetters}` : 'none';
    const body = `<h2>Alerts</h2>${alertList}
<h2>Acknowledged, not done</h2>${figures}
<h2>Failed jobs</h2>
<table><tr><th>queue</th><th>failed</th><th>replay</th></tr>${failedRows}</table>
<h2>Dead letters (${shown})</h2>
<p class="note">Resources whose mapping failed, oldest first. The ingest sweep replays each one at its next replay
(backoff from 5 s doubling to 1 h) until it maps; then it leaves this list. Resource keys, class names and counts
only. JSON: <code>/admin/ingest/dead-letters?offset=${offset}&amp;count=${PAGE_SIZE}</code>.</p>
${rows ? `<table><tr><th>resource</th><th>source</th><th>version</th><th>attempts</th><th>error</th><th>parked</th><th>next replay</th></tr>${rows}</table>` : ''}
${pager ? `<p>${pager}</p>` : ''}`;
    const page = renderPage({
      title: 'Ingest health · bitebridge',
      heading: 'bitebridge: ingest health',
      body,
      nav: '<a href="/admin/queues">Queues</a><a href="/alerts">/alerts</a><a href="/readyz">/readyz</a>',
    });
    return send(reply, page.html, page.csp);
  });
}
