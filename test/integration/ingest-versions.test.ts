/**
 * Version order and conditional writes over real HTTP, workers and Redis: a replayed or out-of-order
 * older version never replaces the stored one (by meta.versionId when both are numeric, else by
 * meta.lastUpdated, else arrival) and the answer says so; If-Match, If-None-Match, If-None-Exist;
 * a transaction with a failed precondition stores nothing.
 */
import type { Observation } from '@medplum/fhirtypes';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('versions');
}, 60_000);
afterAll(async () => {
  await h.close();
});

function obs(id: string, value: number, meta?: Observation['meta']): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '26464-8' }] },
    subject: { reference: 'Patient/vp1' },
    effectiveDateTime: '2015-02-01T08:00:00Z',
    valueQuantity: { value, unit: '10*9/L', system: 'http://unitsofmeasure.org', code: '10*9/L' },
    ...(meta ? { meta } : {}),
  };
}

const put = (r: Observation, headers: Record<string, string> = {}) =>
  h.request('PUT', `/fhir/Observation/${r.id}`, { token: TOKENS.hospA, body: r, headers });
const storedValue = async (id: string) =>
  ((await h.rt.store.getSource(`Observation/hospa.${id}`, 'hospa.vp1'))?.resource as Observation | undefined)
    ?.valueQuantity?.value;

test('an older numeric meta.versionId arriving later is not applied, and the answer says so', async () => {
  expect((await put(obs('o1', 1, { versionId: '2' }))).status).toBe(201);
  const replay = await put(obs('o1', 0.5, { versionId: '1' }));
  expect(replay.status).toBe(200);
  expect(replay.headers.get('etag')).toBe('W/"1"');
  expect(replay.body.resourceType).toBe('OperationOutcome');
  expect(replay.body.issue[0]).toMatchObject({ severity: 'warning', code: 'business-rule' });
  expect(replay.body.issue[0].diagnostics).toMatch(/older than the stored version/);
  expect(await storedValue('o1')).toBe(1);
  // a newer one is applied; numeric comparison, not text ("10" > "9")
  expect((await put(obs('o1', 3, { versionId: '10' }))).headers.get('etag')).toBe('W/"2"');
  expect((await put(obs('o1', 2, { versionId: '9' }))).headers.get('etag')).toBe('W/"2"');
  expect(await storedValue('o1')).toBe(3);
});

test('an update without meta.versionId between them: a late replay of an older versionId is still older', async () => {
  expect((await put(obs('o1b', 1, { versionId: '2', lastUpdated: '2026-01-02T00:00:00Z' }))).status).toBe(
    201,
  );
  expect((await put(obs('o1b', 2))).headers.get('etag')).toBe('W/"2"'); // no meta: newer by arrival
  const replay = await put(obs('o1b', 0.5, { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z' }));
  expect(replay.body.issue[0].diagnostics).toMatch(/older than the stored version/);
  // the version the update replaced, replayed exactly, is older too (not "same versionId")
  const same = await put(obs('o1b', 1, { versionId: '2', lastUpdated: '2026-01-02T00:00:00Z' }));
  expect(same.body.issue[0].diagnostics).toMatch(/older than the stored version/);
  expect(await storedValue('o1b')).toBe(2);
  // the same with lastUpdated alone
  expect((await put(obs('o1c', 1, { lastUpdated: '2026-01-02T00:00:00Z' }))).status).toBe(201);
  expect((await put(obs('o1c', 2))).status).toBe(200);
  const sameTime = await put(obs('o1c', 1, { lastUpdated: '2026-01-02T00:00:00Z' }));
  expect(sameTime.body.issue[0].diagnostics).toMatch(/older than the stored version/);
  expect(await storedValue('o1c')).toBe(2);
  // a newer versionId is applied as before
  expect((await put(obs('o1b', 3, { versionId: '3' }))).headers.get('etag')).toBe('W/"3"');
  expect(await storedValue('o1b')).toBe(3);
});

test('without comparable versionIds, meta.lastUpdated orders; without either, arrival', async () => {
  await put(obs('o2', 1, { versionId: 'b', lastUpdated: '2026-01-02T00:00:00Z' }));
  const older = await put(obs('o2', 9, { versionId: 'a', lastUpdated: '2026-01-01T00:00:00Z' }));
  expect(older.body.issue[0].diagnostics).toMatch(/older/);
  expect(await storedValue('o2')).toBe(1);
  await put(obs('o2', 2, { versionId: 'c', lastUpdated: '2026-01-03T00:00:00Z' }));
  expect(await storedValue('o2')).toBe(2);
  await put(obs('o3', 1));
  await put(obs('o3', 2));
  expect(await storedValue('o3')).toBe(2);
});

test('versions out of order inside a batch and across bundles end at the newest', async () => {
  const v = (n: number) => obs('o4', n, { versionId: String(n) });
  const b = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([v(3), v(1)], 'batch'),
  });
  expect(b.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '200 OK']);
  expect(b.body.entry[1].response.outcome.issue[0].severity).toBe('warning');
  await h.request('POST', '/fhir', { token: TOKENS.hospA, body: transaction([v(2)], 'batch') });
  expect(await storedValue('o4')).toBe(3);
  await h.idle();
  const events = await h.rt.store.loadEvents('hospa.vp1');
  expect(events.filter((e) => e.source.id === 'hospa.o4').length).toBeGreaterThan(0);
  expect(events.filter((e) => e.source.id === 'hospa.o4').every((e) => e.source.versionId === '1')).toBe(
    true,
  );
});

test('If-Match: a stale ETag is refused with 412 and writes nothing; the current one writes', async () => {
  await put(obs('o5', 1));
  await put(obs('o5', 2)); // now version 2
  const stale = await put(obs('o5', 3), { 'if-match': 'W/"1"' });
  expect(stale.status).toBe(412);
  expect(stale.body.resourceType).toBe('OperationOutcome');
  expect(await storedValue('o5')).toBe(2);
  const ok = await put(obs('o5', 3), { 'if-match': 'W/"2"' });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('etag')).toBe('W/"3"');
  expect((await put(obs('o5', 4), { 'if-match': 'not-an-etag' })).status).toBe(422);
});

test('If-None-Match: * creates only; a matching ETag is refused', async () => {
  expect((await put(obs('o6', 1), { 'if-none-match': '*' })).status).toBe(201);
  expect((await put(obs('o6', 2), { 'if-none-match': '*' })).status).toBe(412);
  expect((await put(obs('o6', 2), { 'if-none-match': 'W/"1"' })).status).toBe(412);
  expect((await put(obs('o6', 2), { 'if-none-match': 'W/"7"' })).status).toBe(200);
  expect(await storedValue('o6')).toBe(2);
});

test('If-None-Exist: identifier=system|value creates once, then answers with the existing one', async () => {
  const withId = (id: string) => ({
    ...obs(id, 1),
    id: undefined,
    identifier: [{ system: 'urn:lab', value: 'acc-42' }],
  });
  const headers = { 'if-none-exist': 'identifier=urn:lab|acc-42' };
  const first = await h.request('POST', '/fhir/Observation', {
    token: TOKENS.hospA,
    body: withId('x'),
    headers,
  });
  expect(first.status).toBe(201);
  const second = await h.request('POST', '/fhir/Observation', {
    token: TOKENS.hospA,
    body: { ...withId('y'), valueQuantity: { value: 5 } },
    headers,
  });
  expect(second.status).toBe(200);
  expect(second.headers.get('location')).toContain(first.body.id);
  // another source's identical identifier is its own
  const other = await h.request('POST', '/fhir/Observation', {
    token: TOKENS.hospB,
    body: { ...withId('x'), subject: { reference: 'Patient/vp9' } },
    headers,
  });
  expect(other.status).toBe(201);
  const unsupported = await h.request('POST', '/fhir/Observation', {
    token: TOKENS.hospA,
    body: withId('z'),
    headers: { 'if-none-exist': 'code=1234' },
  });
  expect(unsupported.status).toBe(422);
  expect(unsupported.body.issue[0].code).toBe('not-supported');
});

test('If-None-Exist follows the stored version: an identifier a correction removed no longer matches', async () => {
  const lab = (value: string) => ({ ...obs('o-acc', 1), identifier: [{ system: 'urn:lab', value }] });
  const conditional = (value: string) =>
    h.request('POST', '/fhir/Observation', {
      token: TOKENS.hospA,
      body: { ...lab(value), id: undefined, valueQuantity: { value: 9 } },
      headers: { 'if-none-exist': `identifier=urn:lab|${value}` },
    });
  expect((await put(lab('acc-wrong'))).status).toBe(201);
  expect((await put({ ...lab('acc-right'), valueQuantity: { value: 2 } })).status).toBe(200); // corrected
  const right = await conditional('acc-right');
  expect(right.status).toBe(200);
  const base = (res: { headers: Headers }) => res.headers.get('location')!.split('/_history/')[0];
  expect(base(right)).toMatch(/\/Observation\/hospa\.o-acc$/);
  // The wrong accession number is no longer this resource's: a conditional create with it creates.
  const wrong = await conditional('acc-wrong');
  expect(wrong.status).toBe(201);
  expect(base(wrong)).not.toMatch(/\/Observation\/hospa\.o-acc$/);
  // The new resource holds it now.
  const again = await conditional('acc-wrong');
  expect(again.status).toBe(200);
  expect(base(again)).toBe(base(wrong));
});

test('a transaction with a failed If-Match stores none of its entries and says so', async () => {
  await put(obs('o7', 1));
  const bundle = transaction([obs('o8', 1), obs('o7', 2)]);
  (bundle.entry![1].request as any).ifMatch = 'W/"5"';
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(412);
  const text = JSON.stringify(res.body.issue);
  expect(text).toContain('Bundle.entry[1]');
  expect(text).toMatch(/no entry of this Bundle was stored/);
  expect((await h.rt.store.locate('Observation/hospa.o8')).found).toBe(false);
  expect(await storedValue('o7')).toBe(1);
});

test('a transaction that changes one resource twice is refused whole at once; a batch applies both in order', async () => {
  const bundle = transaction([obs('o9', 1), obs('o10', 1), obs('o9', 2)]);
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(400);
  expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['Bundle.entry[2]'] });
  expect(res.body.issue[0].diagnostics).toMatch(/same resource .* as Bundle\.entry\[0\]/);
  expect(JSON.stringify(res.body.issue)).toMatch(/no entry of this Bundle was stored/);
  expect((await h.rt.store.locate('Observation/hospa.o9')).found).toBe(false);
  expect((await h.rt.store.locate('Observation/hospa.o10')).found).toBe(false);
  const batch = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: transaction([obs('o9', 1), obs('o9', 2)], 'batch'),
  });
  expect(batch.status).toBe(200);
  expect(batch.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '200 OK']);
  expect(await storedValue('o9')).toBe(2);
});

test('a Bundle with two entries of one fullUrl (bdl-7) is refused whole, a batch too', async () => {
  const bundle = transaction([obs('o11', 1), obs('o12', 1)], 'batch');
  bundle.entry![0].fullUrl = 'urn:uuid:0b6a3d2e-0000-4000-8000-000000000001';
  bundle.entry![1].fullUrl = 'urn:uuid:0b6a3d2e-0000-4000-8000-000000000001';
  const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
  expect(res.status).toBe(400);
  expect(res.body.issue[0]).toMatchObject({ code: 'invariant', expression: ['Bundle.entry[1].fullUrl'] });
  expect(JSON.stringify(res.body.issue)).toMatch(/nothing was stored/);
  expect((await h.rt.store.locate('Observation/hospa.o11')).found).toBe(false);
});

test('the CapabilityStatement states the conditional support exactly', async () => {
  const cs = await h.request('GET', '/fhir/metadata', { token: TOKENS.hospA });
  const o = cs.body.rest[0].resource.find((r: any) => r.type === 'Observation');
  expect(o).toMatchObject({
    versioning: 'versioned-update',
    conditionalCreate: true,
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
  });
});
