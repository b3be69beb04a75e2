/** Ops endpoints: health, readiness, metrics, the dashboard behind admin auth, replay, reject log. */
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('ops');
});
afterAll(async () => {
  await h.close();
});

test('/healthz and /readyz answer without a token', async () => {
  expect((await h.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
  const ready = await h.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body.checks).toEqual({ redis: 'ok', queues: 'ok', ingest: 'ok' });
  expect(ready.body.ingest).toMatchObject({ pendingPayloads: 0, deadLetters: 0, reasons: [] });
});

test('/metrics exposes queue depth per state, job durations and ingest counts', async () => {
  await h.request('PUT', '/fhir/Patient/m1', {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id: 'm1' },
  });
  await h.request('PUT', '/fhir/Patient/m1', {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id: 'm1' },
  });
  await h.request('PUT', '/fhir/Patient/m2', {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id: 'm2', gender: 'robot' },
  });
  // A body weight maps to an event, so the patient is assembled.
  await h.request('PUT', '/fhir/Observation/m1-weight', {
    token: TOKENS.hospA,
    body: {
      resourceType: 'Observation',
      id: 'm1-weight',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
      subject: { reference: 'Patient/m1' },
      effectiveDateTime: '2024-01-01',
      valueQuantity: { value: 62, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    },
  });
  await h.idle();
  const res = await h.request('GET', '/metrics');
  expect(res.status).toBe(200);
  const text = String(res.body);
  expect(text).toMatch(/bitebridge_queue_jobs\{queue="ingest",state="waiting"\} \d+/);
  expect(text).toMatch(/bitebridge_queue_jobs\{queue="assemble",state="completed"\} [1-9]/);
  expect(text).toMatch(
    /bitebridge_job_duration_seconds_count\{queue="ingest",name="accept",outcome="completed"\} [1-9]/,
  );
  expect(text).toMatch(/bitebridge_ingest_entries_total\{source="hospa",outcome="created"\} [1-9]/);
  expect(text).toMatch(/bitebridge_ingest_pending_payloads \d+/);
  expect(text).toMatch(/bitebridge_ingest_dead_letters 0/);
  expect(text).toMatch(/bitebridge_ingest_entries_total\{source="hospa",outcome="unchanged"\} [1-9]/);
  expect(text).toMatch(/bitebridge_ingest_entries_total\{source="hospa",outcome="invalid"\} [1-9]/);
  expect(text).toMatch(
    /bitebridge_mapped_resources_total\{source="hospa",resource_type="Patient",outcome="ignored"\} [1-9]/,
  );
  expect(text).not.toContain('m1'); // no ids or PHI in metrics labels
});

test('the dashboard needs the admin scope; a browser can use Basic auth with the token', async () => {
  const anon = await h.request('GET', '/admin/queues');
  expect(anon.status).toBe(401);
  expect(anon.headers.get('www-authenticate')).toContain('Basic');
  expect((await h.request('GET', '/admin/queues', { token: TOKENS.hospA })).status).toBe(403);
  const basic = Buffer.from(`ops:${TOKENS.admin}`).toString('base64');
  const page = await h.request('GET', '/admin/queues', { headers: { authorization: `Basic ${basic}` } });
  expect(page.status).toBe(200);
  expect(String(page.body)).toContain('<html');
  const api = await h.request('GET', '/admin/queues/api/queues', { token: TOKENS.admin });
  expect(api.status).toBe(200);
  expect(api.body.queues.map((q: any) => q.name).sort()).toEqual(['assemble', 'deliver', 'export', 'ingest']);
});

test('a failed job can be replayed from the API', async () => {
  const q = h.rt.queues.get('assemble');
  // A job that fails for good: its patient has no events, and we make the processor's input unreadable.
  const job = await q.add('unknown-kind', { patient: 'hospa.nobody' }, { attempts: 1, jobId: 'replay-me' });
  await job.moveToFailed(new Error('simulated failure'), '0', false).catch(() => undefined);
  // whatever the worker did with it, a finished job can be replayed
  await h.idle();
  const state = await (await q.getJob('replay-me'))!.getState();
  expect(['failed', 'completed']).toContain(state);
  const res = await h.request('POST', '/admin/jobs/assemble/replay-me/retry', { token: TOKENS.admin });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ queue: 'assemble', id: 'replay-me', replayed: true, from: state });
  await h.idle();
  expect((await h.request('POST', '/admin/jobs/assemble/nope/retry', { token: TOKENS.admin })).status).toBe(
    404,
  );
  expect((await h.request('POST', '/admin/jobs/nope/x/retry', { token: TOKENS.admin })).status).toBe(404);
  expect(
    (await h.request('POST', '/admin/jobs/assemble/replay-me/retry', { token: TOKENS.hospA })).status,
  ).toBe(403);
});

test('the reject log keeps invalid resources with their outcome (admin only)', async () => {
  await h.request('PUT', '/fhir/Observation/bad1', {
    token: TOKENS.hospA,
    body: { resourceType: 'Observation', id: 'bad1', status: 'done', code: { text: 'x' } },
  });
  const res = await h.request('GET', '/admin/rejects?count=5', { token: TOKENS.admin });
  expect(res.status).toBe(200);
  const r = res.body.rejects.find((x: any) => x.resource?.id === 'bad1');
  expect(r.source).toBe('hospa');
  expect(r.outcome.resourceType).toBe('OperationOutcome');
});

test('the CapabilityStatement says what is supported', async () => {
  const cs = (await h.request('GET', '/fhir/metadata')).body;
  expect(cs.resourceType).toBe('CapabilityStatement');
  expect(cs.fhirVersion).toBe('4.0.1');
  expect(cs.format).toEqual(['application/fhir+json', 'application/json']);
  expect(cs.rest[0].interaction.map((i: any) => i.code)).toEqual(
    expect.arrayContaining(['batch', 'transaction']),
  );
  const patient = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
  expect(patient.interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['create', 'update']));
});
