/** `$validate` over HTTP: an OperationOutcome, nothing stored. */
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('validate', { workers: false });
});
afterAll(async () => {
  await h.close();
});

test('a valid resource: 200 "All OK", and nothing stored', async () => {
  const res = await h.request('POST', '/fhir/Patient/$validate', {
    token: TOKENS.hospA,
    body: { resourceType: 'Patient', id: 'v1', gender: 'female' },
  });
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].severity).toBe('information');
  expect((await h.rt.store.locate('Patient/hospa.v1')).found).toBe(false);
});

test('an invalid resource: 200 with error issues naming the element', async () => {
  const res = await h.request('POST', '/fhir/Observation/$validate', {
    token: TOKENS.hospA,
    body: { resourceType: 'Observation', status: 'done', code: { text: 'x' } },
  });
  expect(res.status).toBe(200);
  const errors = res.body.issue.filter((i: any) => i.severity === 'error');
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.map((i: any) => i.expression?.[0])).toContain('Observation.status');
});

test('a Bundle at the system level names the entry', async () => {
  const res = await h.request('POST', '/fhir/$validate', {
    token: TOKENS.hospA,
    body: {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: { resourceType: 'Patient', gender: 'robot' },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    },
  });
  expect(res.status).toBe(200);
  expect(JSON.stringify(res.body)).toContain('Bundle.entry[0]');
});

test('a Parameters body with a profile validates against our profile', async () => {
  const res = await h.request('POST', '/fhir/MedicationStatement/$validate', {
    token: TOKENS.hospA,
    body: {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'resource',
          resource: {
            resourceType: 'MedicationStatement',
            status: 'active',
            medicationCodeableConcept: { text: 'x' },
            subject: { reference: 'Patient/1' },
          },
        },
        { name: 'profile', valueUri: 'http://bitebridge.dev/fhir/StructureDefinition/blinatumomab-course' },
      ],
    },
  });
  expect(res.status).toBe(200);
  expect(res.body.issue.some((i: any) => i.severity === 'error')).toBe(true);
});

test('no token → 401; the metadata lists the operation', async () => {
  expect(
    (await h.request('POST', '/fhir/Patient/$validate', { body: { resourceType: 'Patient' } })).status,
  ).toBe(401);
  const cs = (await h.request('GET', '/fhir/metadata')).body;
  expect(cs.rest[0].operation.map((o: any) => o.name)).toContain('validate');
  expect(cs.rest[0].resource.find((r: any) => r.type === 'Patient').operation[0].name).toBe('validate');
});

/** A batch of `n` Observations: enough validation work to take the validator a while. */
function bigBundle(n: number) {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: Array.from({ length: n }, (_, i) => ({
      resource: {
        resourceType: 'Observation',
        id: `o${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
        subject: { reference: 'Patient/p1' },
        effectiveDateTime: '2024-01-02T03:04:05Z',
        valueQuantity: { value: 12, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
        component: Array.from({ length: 20 }, (_c, k) => ({
          code: { coding: [{ system: 'http://loinc.org', code: `${k}-1` }], text: `part ${k}` },
          valueQuantity: { value: k, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
        })),
      },
      request: { method: 'POST', url: 'Observation' },
    })),
  };
}

test('$validate runs off the event loop: /healthz answers while a large Bundle is being validated', async () => {
  const order: string[] = [];
  const validating = h
    .request('POST', '/fhir/$validate', { token: TOKENS.hospA, body: bigBundle(1000) })
    .then((r) => {
      order.push('validate');
      return r;
    });
  // Once the API has handed the Bundle to the pool, this event loop must be free while it is validated.
  const pool = h.rt.api!.validationPool!;
  while (pool.inFlight === 0 && order.length === 0) await new Promise((r) => setTimeout(r, 5));
  expect(order).toEqual([]);
  const health = await h.request('GET', '/healthz');
  order.push('healthz');
  expect(health.status).toBe(200);
  const res = await validating;
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(order).toEqual(['healthz', 'validate']);
});

describe('a full $validate queue', () => {
  let busy: Harness;
  beforeAll(async () => {
    busy = await startHarness('validate-busy', { workers: false, config: { validateMaxQueue: 0 } });
  });
  afterAll(async () => {
    await busy.close();
  });

  test('is refused at once with 503, Retry-After and an OperationOutcome; the others are answered', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        busy.request('POST', '/fhir/$validate', { token: TOKENS.hospA, body: bigBundle(1000) }),
      ),
    );
    const refused = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBeTruthy();
      expect(r.body.resourceType).toBe('OperationOutcome');
      expect(r.body.issue[0].code).toBe('transient');
    }
  });
});
