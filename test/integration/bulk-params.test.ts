/**
 * Bulk Data parameter rules found with the SMART bulk-data-client: `patient` (POST valueReference and
 * GET), unsupported parameters refused unless `Prefer: handling=lenient`, `_elements` with the
 * SUBSETTED tag, 429 with a growing Retry-After when polling too fast, readable X-Progress, and
 * CapabilityStatement.instantiates.
 */
import type { Resource } from '@medplum/fhirtypes';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';

let h: Harness;
const token = TOKENS.hospB;
const async = { prefer: 'respond-async' };

beforeAll(async () => {
  h = await startHarness('bulk-params', { config: { exportMinPollMs: 1000 } });
  const patients = ['p1', 'p2'].flatMap((id) => [
    { resourceType: 'Patient', id, gender: 'female' },
    {
      resourceType: 'Observation',
      id: `${id}-obs`,
      status: 'final',
      code: { text: 'note' },
      subject: { reference: `Patient/${id}` },
    },
  ]);
  const res = await h.request('POST', '/fhir', { token, body: transaction(patients as Resource[]) });
  expect(res.status).toBe(200);
  await h.idle(60_000);
}, 60_000);
afterAll(async () => {
  await h.close();
});

/** Kicks off, then polls at the pace the server asks for; returns the resources by type. */
async function exportOf(
  path: string,
  opts: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const k = await h.request(opts.method ?? 'GET', path, {
    token,
    body: opts.body,
    headers: { ...async, ...opts.headers },
  });
  expect(k.status).toBe(202);
  const status = new URL(k.headers.get('content-location')!).pathname;
  let res = await h.request('GET', status, { token });
  for (let i = 0; res.status !== 200 && i < 120; i++) {
    expect([202, 429]).toContain(res.status);
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
    res = await h.request('GET', status, { token });
  }
  expect(res.status).toBe(200);
  const files = new Map<string, any[]>();
  for (const o of [...res.body.output, ...res.body.error]) {
    const f = await fetch(o.url, { headers: { authorization: `Bearer ${token}` } });
    files.set(
      o.type,
      (await f.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
  }
  return files;
}

test('patient as POST Parameters valueReference narrows a Patient-level export', async () => {
  const files = await exportOf('/fhir/Patient/$export', {
    method: 'POST',
    body: {
      resourceType: 'Parameters',
      parameter: [{ name: 'patient', valueReference: { reference: 'Patient/p1' } }],
    },
  });
  expect(files.get('Patient')!.map((p) => p.id)).toEqual(['hospb.p1']);
  expect(files.get('Observation')!.map((p) => p.id)).toEqual(['hospb.p1-obs']);
});

test('patient on GET is honoured, not ignored', async () => {
  const files = await exportOf('/fhir/Patient/$export?patient=Patient/p2&_type=Patient');
  expect(files.get('Patient')!.map((p) => p.id)).toEqual(['hospb.p2']);
});

test('bad patient values and a patient at system level are 400s', async () => {
  const bad = await h.request('POST', '/fhir/Patient/$export', {
    token,
    headers: async,
    body: { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { display: 'x' } }] },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.resourceType).toBe('OperationOutcome');
  const notRef = await h.request('GET', '/fhir/Patient/$export?patient=Observation/o1', {
    token,
    headers: async,
  });
  expect(notRef.status).toBe(400);
  const system = await h.request('GET', '/fhir/$export?patient=Patient/p1', { token, headers: async });
  expect(system.status).toBe(400);
  expect(system.body.issue[0].diagnostics).toMatch(/patient is not supported at system level/);
});

test('unsupported parameters are errors unless Prefer: handling=lenient', async () => {
  const strict = await h.request('GET', '/fhir/$export?includeAssociatedData=LatestProvenanceResources', {
    token,
    headers: async,
  });
  expect(strict.status).toBe(400);
  expect(strict.body.issue[0].code).toBe('not-supported');
  const files = await exportOf('/fhir/$export?includeAssociatedData=x&_type=Patient', {
    headers: { prefer: 'respond-async, handling=lenient' },
  });
  expect(files.get('Patient')).toHaveLength(2);
  expect(JSON.stringify(files.get('OperationOutcome'))).toMatch(
    /includeAssociatedData is not supported and was ignored/,
  );
});

test('_elements keeps the listed elements and tags the output SUBSETTED; bad names are 400', async () => {
  const files = await exportOf('/fhir/$export?_type=Patient,Observation&_elements=Observation.status,gender');
  for (const p of files.get('Patient')!) {
    expect(Object.keys(p).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect(p.meta.tag).toContainEqual({
      system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
      code: 'SUBSETTED',
    });
  }
  for (const o of files.get('Observation')!) {
    expect(o.status).toBe('final');
    expect(o.gender).toBeUndefined();
    expect(o.subject).toBeUndefined();
    expect(o.code).toBeUndefined();
  }
  for (const bad of ['_elements=not valid', '_elements=Nonsense.status'])
    expect((await h.request('GET', `/fhir/$export?${bad}`, { token, headers: async })).status).toBe(400);
});

test('polling too fast: 429 with a growing Retry-After; X-Progress is readable text', async () => {
  const worker = h.rt.workers.find((w) => w.name === 'export')!;
  await worker.pause();
  try {
    const k = await h.request('GET', '/fhir/$export', { token, headers: async });
    const status = new URL(k.headers.get('content-location')!).pathname;
    const first = await h.request('GET', status, { token });
    expect(first.status).toBe(202);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.headers.get('x-progress')).toMatch(/^[A-Za-z]/);
    const second = await h.request('GET', status, { token });
    expect(second.status).toBe(429);
    expect(second.body.issue[0].code).toBe('throttled');
    const third = await h.request('GET', status, { token });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(
      Number(second.headers.get('retry-after')),
    );
    await new Promise((r) => setTimeout(r, 1000 * Number(third.headers.get('retry-after')) + 100));
    const polite = await h.request('GET', status, { token });
    expect(polite.status).toBe(202);
    expect(polite.headers.get('retry-after')).toBe('1');
    await h.request('DELETE', status, { token });
  } finally {
    worker.resume();
  }
});

test('CapabilityStatement instantiates the Bulk Data server', async () => {
  const cs = await h.request('GET', '/fhir/metadata');
  expect(cs.body.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
});
