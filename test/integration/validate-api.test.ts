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
