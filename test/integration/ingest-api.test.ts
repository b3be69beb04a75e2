/**
 * Ingest over real HTTP with real workers and Redis: the acknowledged data reaches the derived
 * outputs; re-sends change nothing; an invalid transaction stores nothing; async ingest reports.
 */
import type { Bundle, MedicationAdministration, Patient } from '@medplum/fhirtypes';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function infusion(id: string, patient: string, day: string): MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258', display: 'blinatumomab' }] },
    subject: { reference: `Patient/${patient}` },
    effectivePeriod: { start: `${day}T08:00:00Z`, end: `${day}T23:59:00Z` },
    dosage: { rateQuantity: { value: 28, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' } },
  };
}

const patient = (id: string): Patient => ({ resourceType: 'Patient', id });

let h: Harness;
beforeAll(async () => {
  h = await startHarness('ingest');
});
afterAll(async () => {
  await h.close();
});

async function outputsOf(p: string) {
  return [...(await h.rt.store.currentOutputs(p)).values()];
}

test('a transaction is answered entry by entry, and its patient gets a course', async () => {
  const bundle = transaction([
    patient('p1'),
    infusion('ma1', 'p1', '2015-02-01'),
    infusion('ma2', 'p1', '2015-02-02'),
  ]);
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body.type).toBe('transaction-response');
  expect(res.body.entry.map((e: any) => e.response.status)).toEqual([
    '201 Created',
    '201 Created',
    '201 Created',
  ]);
  expect(res.body.entry[1].response.location).toBe('MedicationAdministration/hospa.ma1/_history/1');
  await h.idle();
  const outputs = await outputsOf('hospa.p1');
  const course = outputs.find((o) => o.resource.resourceType === 'MedicationStatement');
  expect(course).toBeDefined();
  expect(course!.versionId).toBe('1');
});

test('re-sending the same bundle changes nothing', async () => {
  const bundle = transaction([patient('p2'), infusion('ma3', 'p2', '2015-03-01')]);
  await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  await h.idle();
  const before = await outputsOf('hospa.p2');
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(200);
  expect(res.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK']);
  expect(res.body.entry[1].response.location).toBe('MedicationAdministration/hospa.ma3/_history/1');
  await h.idle();
  const after = await outputsOf('hospa.p2');
  expect(after.map((o) => [o.key, o.versionId, o.lastUpdated])).toEqual(
    before.map((o) => [o.key, o.versionId, o.lastUpdated]),
  );
});

test('the same meta.versionId is a no-op even if the sender reformatted the resource', async () => {
  const r1 = { ...infusion('ma4', 'p3', '2015-04-01'), meta: { versionId: 'v7' } };
  await h.request('PUT', '/fhir/MedicationAdministration/ma4', { token: TOKENS.hospA, body: r1 });
  const r2 = { ...r1, note: [{ text: 'reformatted' }] };
  const res = await h.request('PUT', '/fhir/MedicationAdministration/ma4', { token: TOKENS.hospA, body: r2 });
  expect(res.status).toBe(200);
  expect(res.headers.get('etag')).toBe('W/"1"');
});

test('a changed resource becomes a new version', async () => {
  const r1 = infusion('ma5', 'p4', '2015-05-01');
  const a = await h.request('PUT', '/fhir/MedicationAdministration/ma5', { token: TOKENS.hospA, body: r1 });
  expect(a.status).toBe(201);
  expect(a.body.id).toBe('hospa.ma5');
  expect(a.body.subject.reference).toBe('Patient/hospa.p4');
  const b = await h.request('PUT', '/fhir/MedicationAdministration/ma5', {
    token: TOKENS.hospA,
    body: { ...r1, status: 'stopped' },
  });
  expect(b.status).toBe(200);
  expect(b.headers.get('etag')).toBe('W/"2"');
  expect(b.headers.get('location')).toMatch(/\/fhir\/MedicationAdministration\/hospa\.ma5\/_history\/2$/);
});

test('a transaction with one invalid entry stores nothing', async () => {
  const bad = transaction([patient('p5'), infusion('ma6', 'p5', '2015-06-01')]);
  (bad.entry![1].resource as any).status = 'done'; // not in the required value set
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bad });
  expect(res.status).toBe(400);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(res.body.issue)).toContain('Bundle.entry[1]');
  expect(await h.rt.store.locate('Patient/hospa.p5')).toEqual({ found: false });
  expect((await h.rt.rejects.list(10)).length).toBeGreaterThan(0);
});

test('a batch accepts the valid entries and reports each invalid one', async () => {
  const b = transaction(
    [patient('p6'), { resourceType: 'Patient', id: 'p7', gender: 'robot' } as any],
    'batch',
  );
  b.entry!.push({ request: { method: 'POST', url: 'Patient' } } as any);
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: b });
  expect(res.status).toBe(200);
  expect(res.body.type).toBe('batch-response');
  const statuses = res.body.entry.map((e: any) => e.response.status);
  expect(statuses[0]).toBe('201 Created');
  expect(statuses[1]).toMatch(/^4/);
  expect(statuses[2]).toBe('400 Bad Request');
  expect(res.body.entry[2].response.outcome.issue[0].expression[0]).toBe('Bundle.entry[2].resource');
  expect((await h.rt.store.locate('Patient/hospa.p6')).found).toBe(true);
});

test("sources are namespaced: two hospitals' Patient/123 never merge", async () => {
  await h.request('PUT', '/fhir/Patient/123', { token: TOKENS.hospA, body: patient('123') });
  await h.request('PUT', '/fhir/Patient/123', { token: TOKENS.hospB, body: patient('123') });
  expect((await h.rt.store.locate('Patient/hospa.123')).found).toBe(true);
  expect((await h.rt.store.locate('Patient/hospb.123')).found).toBe(true);
});

test('urn:uuid references inside a bundle resolve to the namespaced ids', async () => {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:11111111-1111-1111-1111-111111111111',
        resource: { resourceType: 'Patient' },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        resource: {
          ...infusion('x', 'x', '2015-07-01'),
          id: undefined,
          subject: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' },
        },
        request: { method: 'POST', url: 'MedicationAdministration' },
      },
    ],
  };
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(200);
  const patientLoc: string = res.body.entry[0].response.location;
  const maKey = res.body.entry[1].response.location.split('/_history/')[0];
  const pid = patientLoc.split('/')[1];
  const stored = await h.rt.store.getSource(maKey, pid);
  expect((stored!.resource as MedicationAdministration).subject.reference).toBe(`Patient/${pid}`);
  // the same id-less bundle again: content-derived ids, so nothing new
  const again = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(again.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK']);
});

test('Prefer: respond-async answers 202 and a status URL that ends with the per-entry outcome', async () => {
  const bundle = transaction([patient('p8'), infusion('ma8', 'p8', '2015-08-01')]);
  const res = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: bundle,
    headers: { prefer: 'respond-async' },
  });
  expect(res.status).toBe(202);
  const loc = res.headers.get('content-location')!;
  expect(loc).toMatch(/\/fhir\/_async\//);
  const path = new URL(loc).pathname;
  let status = 202;
  let body: any;
  for (let i = 0; i < 100 && status === 202; i++) {
    const s = await h.request('GET', path, { token: TOKENS.hospA });
    status = s.status;
    body = s.body;
    if (status === 202) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(200);
  expect(body.type).toBe('transaction-response');
  expect(body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created']);
  // another source cannot read this job's status
  expect((await h.request('GET', path, { token: TOKENS.hospB })).status).toBe(404);
  await h.idle();
  expect((await outputsOf('hospa.p8')).length).toBeGreaterThan(0);
});

test('an async transaction with an invalid entry reports 400 at the status URL and stores nothing', async () => {
  const bad = transaction([patient('p9'), { ...infusion('ma9', 'p9', '2015-09-01'), status: 'done' } as any]);
  const res = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: bad,
    headers: { prefer: 'respond-async' },
  });
  expect(res.status).toBe(202);
  const path = new URL(res.headers.get('content-location')!).pathname;
  let s = await h.request('GET', path, { token: TOKENS.hospA });
  for (let i = 0; i < 100 && s.status === 202; i++) {
    await new Promise((r) => setTimeout(r, 100));
    s = await h.request('GET', path, { token: TOKENS.hospA });
  }
  expect(s.status).toBe(400);
  expect(s.body.resourceType).toBe('OperationOutcome');
  expect((await h.rt.store.locate('Patient/hospa.p9')).found).toBe(false);
  // a rejected payload ends as a failed job (not a green "completed"), whose data is a reference only
  const job = (await h.rt.queues.get('ingest').getJob(path.split('/').pop()!))!;
  expect(await job.getState()).toBe('failed');
  expect(job.data).toEqual({ payloadId: job.id });
});

test('links use PUBLIC_BASE_URL; past SYNC_WAIT_MS the answer is 202 with the status URL', async () => {
  // No workers: the payload is recorded but not processed within the bound.
  const proxied = await startHarness('ingest-proxy', {
    workers: false,
    config: { publicBaseUrl: 'https://fhir.example.org/bb/', syncWaitMs: 300 },
  });
  try {
    const res = await proxied.request('PUT', '/fhir/Patient/link1', {
      token: TOKENS.hospA,
      body: patient('link1'),
    });
    expect(res.status).toBe(202);
    const loc = res.headers.get('content-location')!;
    expect(loc).toMatch(/^https:\/\/fhir\.example\.org\/bb\/fhir\/_async\/i-/);
    const id = loc.split('/').pop()!;
    expect(await proxied.rt.payloads.isPending(id)).toBe(true);
    const status = await proxied.request('GET', new URL(loc).pathname.replace('/bb', ''), {
      token: TOKENS.hospA,
    });
    expect(status.status).toBe(202);
  } finally {
    await proxied.close();
  }
});

test('a resource cannot move to another patient: rejected, the stored one untouched', async () => {
  const first = await h.request('PUT', '/fhir/MedicationAdministration/mv1', {
    token: TOKENS.hospA,
    body: infusion('mv1', 'pa', '2015-10-01'),
  });
  expect(first.status).toBe(201);
  const moved = await h.request('PUT', '/fhir/MedicationAdministration/mv1', {
    token: TOKENS.hospA,
    body: infusion('mv1', 'pb', '2015-10-01'),
  });
  expect(moved.status).toBe(422);
  expect(moved.body.issue[0].code).toBe('business-rule');
  const batch = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([infusion('mv1', 'pb', '2015-10-01')], 'batch'),
  });
  expect(batch.body.entry[0].response.status).toBe('422 Unprocessable Entity');
  expect(await h.rt.store.locate('MedicationAdministration/hospa.mv1')).toEqual({
    found: true,
    patient: 'hospa.pa',
  });
});

test('same meta.versionId with different content: not applied, and the sender is warned', async () => {
  const r1 = { ...infusion('vw1', 'p10', '2015-11-01'), meta: { versionId: '1' } };
  await h.request('POST', '/fhir', { token: TOKENS.hospA, body: transaction([r1], 'batch') });
  const r2 = { ...r1, status: 'stopped' as const };
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: transaction([r2], 'batch') });
  const entry = res.body.entry[0].response;
  expect(entry.status).toBe('200 OK');
  expect(entry.etag).toBe('W/"1"');
  expect(entry.outcome.issue[0]).toMatchObject({ severity: 'warning', code: 'business-rule' });
});

test('a finished async job stays private to its source even after BullMQ removed the job', async () => {
  const res = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([patient('p11')]),
    headers: { prefer: 'respond-async' },
  });
  const path = new URL(res.headers.get('content-location')!).pathname;
  const id = path.split('/').pop()!;
  await h.idle();
  await (await h.rt.queues.get('ingest').getJob(id))!.remove();
  expect((await h.request('GET', path, { token: TOKENS.hospA })).status).toBe(200);
  expect((await h.request('GET', path, { token: TOKENS.hospB })).status).toBe(404);
});

test('Redis failing after the payload is recorded: 202 with the status URL, never "nothing was accepted"', async () => {
  const read = jest
    .spyOn(h.rt.store, 'getIngestStatus')
    .mockRejectedValueOnce(new Error('Connection is closed.'));
  try {
    const res = await h.request('POST', '/fhir', {
      token: TOKENS.hospA,
      body: transaction([patient('after-record')]),
    });
    expect(res.status).toBe(202);
    expect(read).toHaveBeenCalled();
    expect(res.body.issue[0].diagnostics).toMatch(
      /^Recorded as i-.*could not be read now: poll the status URL/,
    );
    expect(JSON.stringify(res.body)).not.toMatch(/nothing was accepted/);
    // It was processed: the status URL answers with the entry.
    const status = await h.request('GET', new URL(res.headers.get('content-location')!).pathname, {
      token: TOKENS.hospA,
    });
    expect(status.status).toBe(200);
    expect(status.body.entry[0].response.status).toBe('201 Created');
  } finally {
    read.mockRestore();
  }
});

test('a single resource whose stored version cannot be read back: 202 without a Location or ETag', async () => {
  const read = jest.spyOn(h.rt.store, 'getSource').mockRejectedValueOnce(new Error('Connection is closed.'));
  try {
    const res = await h.request('PUT', '/fhir/Patient/read-back', {
      token: TOKENS.hospA,
      body: patient('read-back'),
    });
    expect(res.status).toBe(202);
    expect(read).toHaveBeenCalled();
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('content-location')).toMatch(/\/fhir\/_async\/i-/);
  } finally {
    read.mockRestore();
  }
});
