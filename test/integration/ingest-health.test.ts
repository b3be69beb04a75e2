/**
 * No silent loss, visibly: pending payloads, dead letters and failed jobs show in /readyz (which
 * stays 200: a backlog never takes a healthy API out of rotation), in /alerts, in /metrics and on the
 * admin ingest page, as counts, ages and resource keys only. Real Redis (own key prefix) and BullMQ;
 * no in-process workers, so nothing moves unless a test moves it. Ages are set by back-dating the
 * records (never by waiting), so a loaded machine changes nothing.
 */
import { Worker } from 'bullmq';
import type { IngestDeps } from '../../src/queue/processors/ingest';
import { processAccept } from '../../src/queue/processors/ingest';
import type { QueueName } from '../../src/queue/queues';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';

const THRESHOLD_S = 600;
let h: Harness;
beforeAll(async () => {
  h = await startHarness('health', { workers: false, config: { pendingAlertSeconds: THRESHOLD_S } });
}, 60_000);
afterAll(async () => {
  await h.close();
});

/** Each test starts from an empty ingest log and empty failed sets. */
beforeEach(async () => {
  const k = h.rt.store.keys;
  await h.rt.conn.del(k.pending(), k.deadLetters(), k.deadLettersSince());
  for (const q of h.rt.queues.all()) await q.clean(0, 10_000, 'failed');
});

const basic = { authorization: `Basic ${Buffer.from(`ops:${TOKENS.admin}`).toString('base64')}` };

/** Identifying data put into the resources and the error messages: must never come out. */
const PHI = ['Quibbleworth', 'Zebulon', '1911-11-11', 'cannot map'];
const patient = (id: string) => ({
  resourceType: 'Patient' as const,
  id,
  name: [{ family: 'Quibbleworth', given: ['Zebulon'] }],
  birthDate: '1911-11-11',
});

function expectNoPhi(...texts: unknown[]): void {
  for (const t of texts) {
    const s = typeof t === 'string' ? t : JSON.stringify(t);
    for (const word of PHI) expect(s).not.toContain(word);
  }
}

function deps(map: IngestDeps['map']): IngestDeps {
  const rt = h.rt;
  return {
    store: rt.store,
    payloads: rt.payloads,
    deadLetters: rt.deadLetters,
    queues: rt.queues,
    validate: rt.clinical.validate,
    map,
    log: rt.log,
    metrics: rt.metrics,
    statusTtlSeconds: 600,
  };
}

/** Processes one recorded payload with a mapper that throws on `badId` (message quoting the patient). */
async function deadLetterOne(badId: string): Promise<void> {
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    if (resource.id === `hospa.${badId}`) throw new TypeError('cannot map Zebulon Quibbleworth 1911-11-11');
    return h.rt.clinical.map(resource, source, resolve);
  };
  const id = `i-${badId}`;
  const body = JSON.stringify(transaction([patient(`${badId}-ok`), patient(badId)]));
  await h.rt.payloads.record({ id, source: 'hospa', body, receivedAt: Date.now() });
  const ret = await processAccept({ id, data: { payloadId: id } } as any, deps(map));
  expect(ret).toMatchObject({ status: 200, deadLettered: 1 });
}

/** Fails one job on `queue` with a throwaway worker (the harness runs none). */
async function failOneJob(queue: QueueName, jobId: string): Promise<void> {
  const conn = h.rt.redis.connect();
  const w = new Worker(
    queue,
    async () => {
      throw new Error('simulated Quibbleworth');
    },
    { connection: conn, prefix: h.rt.queues.prefix },
  );
  try {
    const q = h.rt.queues.get(queue);
    await q.add('noop', {}, { jobId, attempts: 1 });
    await waitFor(`job ${jobId} to fail`, async () => (await q.getJob(jobId))?.isFailed(), 60_000);
  } finally {
    await w.close();
    await conn.quit();
  }
}

test('/readyz and /alerts report an empty backlog as ok', async () => {
  const ready = await h.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({
    status: 'ready',
    checks: { redis: 'ok', queues: 'ok', ingest: 'ok' },
    ingest: {
      pendingPayloads: 0,
      oldestPendingSeconds: null,
      stalePendingPayloads: 0,
      deadLetters: 0,
      oldestDeadLetterSeconds: null,
      failedJobs: { ingest: 0, assemble: 0, export: 0, deliver: 0 },
      // Redis memory against its maxmemory, where ingest would stop (INGEST_MEMORY_HIGH_WATER).
      storage: {
        usedBytes: expect.any(Number),
        maxBytes: expect.any(Number),
        policy: expect.any(String),
        highWater: 0.8,
      },
      reasons: [],
    },
  });
  const alerts = await h.request('GET', '/alerts');
  expect(alerts.status).toBe(200);
  expect(alerts.body).toMatchObject({ status: 'ok', alerts: [], pendingAlertSeconds: THRESHOLD_S });
});

test('a payload pending longer than PENDING_ALERT_SECONDS raises an alert; a fresh one does not', async () => {
  const now = Date.now();
  const body = JSON.stringify(transaction([patient('pend1')]));
  // Recorded, never processed (no workers): one back-dated past the threshold, one just received.
  await h.rt.payloads.record({ id: 'p-stale', source: 'hospa', body, receivedAt: now - 3600_000 });
  await h.rt.payloads.record({ id: 'p-fresh', source: 'hospa', body, receivedAt: now });

  const ready = await h.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');
  expect(ready.body.checks).toEqual({ redis: 'ok', queues: 'ok', ingest: 'degraded' });
  expect(ready.body.ingest).toMatchObject({
    pendingPayloads: 2,
    stalePendingPayloads: 1,
    reasons: ['pending-stale'],
  });
  expect(ready.body.ingest.oldestPendingSeconds).toBeGreaterThanOrEqual(3600);

  const alerts = await h.request('GET', '/alerts');
  expect(alerts.status).toBe(200);
  expect(alerts.body.status).toBe('alerting');
  expect(alerts.body.alerts).toEqual([
    expect.objectContaining({ alert: 'pending-stale', count: 1, thresholdSeconds: THRESHOLD_S }),
  ]);
  expect(alerts.body.alerts[0].oldestSeconds).toBeGreaterThanOrEqual(3600);

  const metrics = String((await h.request('GET', '/metrics')).body);
  expect(metrics).toMatch(/bitebridge_ingest_pending_payloads 2\n/);
  const oldest = /bitebridge_ingest_oldest_pending_seconds ([\d.]+)\n/.exec(metrics);
  expect(Number(oldest?.[1])).toBeGreaterThanOrEqual(3600);

  const page = await h.request('GET', '/admin/ingest', { headers: basic });
  expect(page.status).toBe(200);
  expect(String(page.body)).toContain('pending-stale');
  expectNoPhi(ready.body, alerts.body, metrics, page.body);

  // Only the fresh one left: no alert any more (it would take THRESHOLD_S of waiting to go stale).
  await h.rt.payloads.finish('p-stale', h.rt.store.keys.ingestStatus('p-stale'), { status: 200 }, 60);
  const after = await h.request('GET', '/alerts');
  expect(after.body).toMatchObject({ status: 'ok', alerts: [], ingest: { pendingPayloads: 1 } });
});

test('a dead letter raises an alert and degrades the ingest check, but /readyz stays 200', async () => {
  await deadLetterOne('dl1');

  const ready = await h.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');
  expect(ready.body.checks).toEqual({ redis: 'ok', queues: 'ok', ingest: 'degraded' });
  expect(ready.body.ingest).toMatchObject({ deadLetters: 1, pendingPayloads: 0, reasons: ['dead-letters'] });
  expect(ready.body.ingest.oldestDeadLetterSeconds).toBeGreaterThanOrEqual(0);

  const alerts = await h.request('GET', '/alerts');
  expect(alerts.status).toBe(200);
  expect(alerts.body.alerts).toEqual([expect.objectContaining({ alert: 'dead-letters', count: 1 })]);

  const metrics = String((await h.request('GET', '/metrics')).body);
  expect(metrics).toMatch(/bitebridge_ingest_dead_letters 1\n/);
  expect(metrics).toMatch(/bitebridge_ingest_oldest_dead_letter_seconds [\d.]+\n/);

  // The admin page and its JSON: key, source, version, attempts and error class; nothing else.
  const page = await h.request('GET', '/admin/ingest', { headers: basic });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  const html = String(page.body);
  expect(html).toContain('Patient/hospa.dl1');
  expect(html).toContain('TypeError');
  expect(html).toContain('Dead letters (1–1 of 1)');
  const list = await h.request('GET', '/admin/ingest/dead-letters', { token: TOKENS.admin });
  expect(list.status).toBe(200);
  expect(list.body).toMatchObject({ total: 1, offset: 0, count: 1 });
  expect(list.body.nextOffset).toBeUndefined();
  const [letter] = list.body.letters;
  expect(Object.keys(letter).sort()).toEqual(
    ['attempts', 'dueAt', 'error', 'key', 'parkedAt', 'source', 'versionId'].sort(),
  );
  expect(letter).toMatchObject({
    key: 'Patient/hospa.dl1',
    source: 'hospa',
    attempts: 1,
    error: 'TypeError',
  });

  expectNoPhi(ready.body, alerts.body, metrics, html, list.body);
});

test('the admin ingest views need the admin scope', async () => {
  for (const path of ['/admin/ingest', '/admin/ingest/dead-letters']) {
    const anon = await h.request('GET', path);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Basic');
    expect((await h.request('GET', path, { token: TOKENS.hospA })).status).toBe(403);
  }
});

test("the queue dashboard's menu links to the ingest page", async () => {
  const html = String((await h.request('GET', '/admin/queues', { headers: basic })).body);
  const config = /<script id="__UI_CONFIG__" type="application\/json">([^<]*)<\/script>/.exec(html);
  expect(JSON.parse(config![1]).miscLinks).toEqual([{ text: 'Ingest health', url: '/admin/ingest' }]);
});

test('failed jobs are counted per queue; they alert except on ingest, where rejections fail by design', async () => {
  await failOneJob('deliver', 'f-deliver');
  await failOneJob('ingest', 'f-ingest');

  const ready = await h.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.checks.ingest).toBe('degraded');
  expect(ready.body.ingest.failedJobs).toEqual({ ingest: 1, assemble: 0, export: 0, deliver: 1 });
  expect(ready.body.ingest.reasons).toEqual(['failed-jobs']);

  const alerts = await h.request('GET', '/alerts');
  expect(alerts.body.alerts).toEqual([
    expect.objectContaining({ alert: 'failed-jobs', queue: 'deliver', count: 1 }),
  ]);

  const html = String((await h.request('GET', '/admin/ingest', { headers: basic })).body);
  expect(html).toContain('href="/admin/queues/queue/deliver?status=failed"');
  expect(html).toContain('POST /admin/queues-api/deliver/retry-failed');
  expectNoPhi(ready.body, alerts.body, html);
});

test('the dead-letter list pages past a page boundary, oldest first, and the sweep still sees every letter', async () => {
  const n = 130; // more than Redis keeps in a small (listpack) hash
  const base = Date.now();
  for (let i = 0; i < n; i++) {
    await h.rt.deadLetters.add(
      { source: 'hospa', key: `Observation/hospa.page-${i}`, patient: 'hospa.p', versionId: '1' },
      'TypeError',
      base - (n - i) * 1000, // letter 0 parked first
    );
  }
  const ready = await h.request('GET', '/readyz');
  expect(ready.body.ingest.deadLetters).toBe(n);
  expect(ready.body.ingest.oldestDeadLetterSeconds).toBeGreaterThanOrEqual(n);

  // JSON pages: follow nextOffset to the end.
  const keys: string[] = [];
  let offset: number | undefined = 0;
  let pages = 0;
  while (offset !== undefined) {
    const res = await h.request('GET', `/admin/ingest/dead-letters?offset=${offset}&count=50`, {
      token: TOKENS.admin,
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(n);
    keys.push(...res.body.letters.map((l: any) => l.key));
    offset = res.body.nextOffset;
    pages++;
  }
  expect(pages).toBe(3);
  expect(keys).toEqual(Array.from({ length: n }, (_, i) => `Observation/hospa.page-${i}`));

  // The store's own pages, and the sweep's full pass (HSCAN: order free, every letter at least once).
  expect((await h.rt.deadLetters.list(100, 50)).map((l) => l.key)).toEqual(keys.slice(100));
  const scanned = new Set<string>();
  for await (const page of h.rt.deadLetters.scan(20)) for (const l of page) scanned.add(l.key);
  expect([...scanned].sort()).toEqual([...keys].sort());

  // The HTML page: the second page of 50, with links both ways.
  const html = String((await h.request('GET', '/admin/ingest?offset=50', { headers: basic })).body);
  expect(html).toContain(`Dead letters (51–100 of ${n})`);
  expect(html).toContain('Observation/hospa.page-50<');
  expect(html).not.toContain('Observation/hospa.page-49<');
  expect(html).toContain('href="/admin/ingest?offset=0"');
  expect(html).toContain('href="/admin/ingest?offset=100"');
});

test('a resolved letter leaves both the list and the age index', async () => {
  await deadLetterOne('dl2');
  const [letter] = await h.rt.deadLetters.list();
  expect(await h.rt.deadLetters.oldestParkedAt()).toBe(letter.parkedAt);
  // a newer version parked meanwhile is not resolved by the older one's replay
  await h.rt.deadLetters.add({ ...letter, versionId: '2' }, 'TypeError');
  await h.rt.deadLetters.resolve(letter);
  expect(await h.rt.deadLetters.count()).toBe(1);
  expect((await h.rt.deadLetters.get(letter.key))?.parkedAt).toBe(letter.parkedAt);
  await h.rt.deadLetters.resolve({ ...letter, versionId: '2' });
  expect(await h.rt.deadLetters.count()).toBe(0);
  expect(await h.rt.deadLetters.list()).toEqual([]);
  expect(await h.rt.deadLetters.oldestParkedAt()).toBeUndefined();
  expect((await h.request('GET', '/alerts')).body.alerts).toEqual([]);
});
