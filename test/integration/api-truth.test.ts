/**
 * A truthful API: the CapabilityStatement declares only what works (every declared interaction and
 * search parameter is exercised here), 405 for methods that do not exist, 406 for formats that are
 * not produced, derived outputs kept apart from a hospital's own resources of the same type, and the
 * search features registries use (_summary=count, _elements, _include, _id, the Patient compartment).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { COURSE_FLAG_PROFILE } from '../../src/domain/flags/render';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

const SEED = join(__dirname, '..', 'fixtures', 'seeds', 'seed-000.json');
const PATIENT = 'pt-s000';

let h: Harness;
let cs: CapabilityStatement;
beforeAll(async () => {
  h = await startHarness('apitruth');
  const seed = await h.request('POST', '/fhir', {
    token: TOKENS.hospA,
    body: JSON.parse(readFileSync(SEED, 'utf8')),
  });
  expect(seed.status).toBe(200);
  // The hospital's own MedicationStatement and DetectedIssue for the same patient.
  for (const r of [
    {
      resourceType: 'MedicationStatement',
      id: 'own-ms',
      status: 'active',
      medicationCodeableConcept: { text: 'ondansetron' },
      subject: { reference: `Patient/${PATIENT}` },
    },
    {
      resourceType: 'DetectedIssue',
      id: 'own-di',
      status: 'final',
      patient: { reference: `Patient/${PATIENT}` },
    },
  ])
    expect(
      (await h.request('PUT', `/fhir/${r.resourceType}/${r.id}`, { token: TOKENS.hospA, body: r })).status,
    ).toBe(201);
  await h.idle(90_000);
  cs = (await h.request('GET', '/fhir/metadata')).body;
}, 180_000);
afterAll(async () => {
  await h.close();
}, 60_000);

const get = (path: string, headers?: Record<string, string>) =>
  h.request('GET', path, { token: TOKENS.hospA, headers });
const matches = (b: Bundle): Resource[] =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);
const ids = (b: Bundle) =>
  matches(b)
    .map((r) => r.id)
    .sort();

describe('CapabilityStatement', () => {
  const resource = (type: string) => cs.rest![0].resource!.find((r) => r.type === type);

  test('declares no interactions on envelopes and payloads, and patient search only where a patient is', () => {
    for (const t of ['Bundle', 'CapabilityStatement', 'Parameters', 'OperationOutcome'])
      expect(resource(t)?.interaction ?? []).toEqual([]);
    const names = (t: string) => (resource(t)!.searchParam ?? []).map((p) => p.name);
    expect(names('Binary')).not.toContain('patient');
    expect(names('Group')).not.toContain('patient');
    expect(names('Patient')).not.toContain('patient');
    expect(names('Observation')).toEqual(expect.arrayContaining(['patient', 'subject', 'code']));
    expect(names('DetectedIssue')).toEqual(expect.arrayContaining(['patient', 'origin', '_include']));
    expect(resource('DetectedIssue')!.searchInclude).toEqual(['DetectedIssue:implicated']);
  });

  test('every declared interaction code is one this test exercises', () => {
    const declared = new Set(cs.rest![0].resource!.flatMap((r) => (r.interaction ?? []).map((i) => i.code)));
    expect([...declared].sort()).toEqual(['create', 'delete', 'read', 'search-type', 'update', 'vread']);
    // delete only where a DELETE route exists (Subscription); everything else answers 405
    const deletable = cs.rest![0].resource!.filter((r) => r.interaction?.some((i) => i.code === 'delete'));
    expect(deletable.map((r) => r.type)).toEqual(['Subscription']);
    const system = cs.rest![0].interaction!.map((i) => i.code).sort();
    expect(system).toEqual(['batch', 'transaction']);
  });

  test('every declared search parameter of every type is accepted (strict handling: unknown would be 400)', async () => {
    const values: Record<string, string> = {
      _id: 'x',
      _lastUpdated: 'ge2020-01-01',
      patient: PATIENT,
      subject: PATIENT,
      code: 'http://loinc.org|1234-5',
      origin: 'any',
      _count: '1',
      _offset: '0',
      _sort: '-_lastUpdated',
      _summary: 'count',
      _elements: 'status',
      _include: 'DetectedIssue:implicated',
      target: 'MedicationStatement/x',
    };
    const failures: string[] = [];
    for (const r of cs.rest![0].resource!) {
      const params = r.searchParam ?? [];
      if (!r.interaction?.some((i) => i.code === 'search-type')) {
        expect(params).toEqual([]);
        continue;
      }
      const unknown = params.filter((p) => !(p.name in values)).map((p) => p.name);
      expect({ type: r.type, unknown }).toEqual({ type: r.type, unknown: [] });
      const q = new URLSearchParams(params.map((p): [string, string] => [p.name, values[p.name]]));
      const res = await get(`/fhir/${r.type}?${q}`, { prefer: 'handling=strict' });
      if (res.status !== 200 || res.body.type !== 'searchset') failures.push(`${r.type}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});

describe('interactions', () => {
  test('delete: declared on Subscription only, where the route answers (404 for an unknown id); 405 elsewhere', async () => {
    const gone = await h.request('DELETE', '/fhir/Subscription/no-such-subscription', {
      token: TOKENS.hospA,
    });
    expect(gone.status).toBe(404);
    expect(gone.body.resourceType).toBe('OperationOutcome');
    const other = await h.request('DELETE', '/fhir/Observation/x', { token: TOKENS.hospA });
    expect(other.status).toBe(405);
  });

  test('create, update, read, vread and search-type', async () => {
    const created = await h.request('POST', '/fhir/Observation', {
      token: TOKENS.hospA,
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'note' },
        subject: { reference: `Patient/${PATIENT}` },
      },
    });
    expect(created.status).toBe(201);
    expect((await get(`/fhir/Observation/${created.body.id}`)).body.status).toBe('final');
    const obs = {
      resourceType: 'Observation',
      id: 'obs-u',
      status: 'final',
      code: { text: 'note' },
      subject: { reference: `Patient/${PATIENT}` },
    };
    expect(
      (await h.request('PUT', '/fhir/Observation/obs-u', { token: TOKENS.hospA, body: obs })).status,
    ).toBe(201);
    const updated = await h.request('PUT', '/fhir/Observation/obs-u', {
      token: TOKENS.hospA,
      body: { ...obs, status: 'amended' },
    });
    expect(updated.status).toBe(200);
    expect((await get('/fhir/Observation/obs-u')).body.status).toBe('amended');
    const id = 'obs-u';
    const course = matches((await get(`/fhir/MedicationStatement?patient=${PATIENT}`)).body)[0];
    const v = await get(`/fhir/MedicationStatement/${course.id}/_history/${course.meta!.versionId}`);
    expect(v.status).toBe(200);
    expect(v.body.id).toBe(course.id);
    expect((await get(`/fhir/Observation?_id=${id}`)).body.total).toBe(1);
  });
});

describe('search parameters at work', () => {
  test("derived outputs are kept apart from the hospital's own MedicationStatement and DetectedIssue", async () => {
    const courses = (await get(`/fhir/MedicationStatement?patient=${PATIENT}`)).body;
    expect(courses.total).toBeGreaterThan(0);
    expect(ids(courses)).not.toContain('hospa.own-ms');
    for (const r of matches(courses))
      expect(r.meta!.profile).toEqual(
        expect.arrayContaining([expect.stringContaining('blinatumomab-course')]),
      );
    const flags = (await get(`/fhir/DetectedIssue?patient=${PATIENT}&_count=1000`)).body;
    expect(ids(flags)).not.toContain('hospa.own-di');
    for (const r of matches(flags)) expect(r.meta!.profile).toContain(COURSE_FLAG_PROFILE);
    expect(ids((await get(`/fhir/MedicationStatement?patient=${PATIENT}&origin=source`)).body)).toEqual([
      'hospa.own-ms',
    ]);
    expect(ids((await get(`/fhir/DetectedIssue?origin=source`)).body)).toEqual(['hospa.own-di']);
    const any = (await get(`/fhir/DetectedIssue?origin=any&_summary=count`)).body;
    expect(any.total).toBe(flags.total + 1);
    expect((await get('/fhir/DetectedIssue?origin=mine')).status).toBe(400);
  });

  test('_summary=count: the total, no entries', async () => {
    const all = (await get(`/fhir/DetectedIssue?_count=1000`)).body;
    const count = (await get(`/fhir/DetectedIssue?_summary=count`)).body;
    expect(count.total).toBe(all.total);
    expect(count.entry).toBeUndefined();
    expect((await get('/fhir/DetectedIssue?_summary=text')).status).toBe(400);
  });

  test('_elements: only the listed elements, marked SUBSETTED', async () => {
    const b = (await get(`/fhir/DetectedIssue?_elements=code,severity&_count=1`)).body;
    const [r] = matches(b) as any[];
    expect(Object.keys(r).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'severity']);
    expect(r.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
  });

  test("_include=DetectedIssue:implicated adds each flag's course once", async () => {
    const b: Bundle = (await get(`/fhir/DetectedIssue?patient=${PATIENT}&_include=DetectedIssue:implicated`))
      .body;
    const included = (b.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource!);
    expect(included.length).toBeGreaterThan(0);
    expect(included.every((r) => r.resourceType === 'MedicationStatement')).toBe(true);
    const implicated = new Set(matches(b).flatMap((f: any) => f.implicated.map((i: any) => i.reference)));
    expect(new Set(included.map((r) => `MedicationStatement/${r.id}`))).toEqual(implicated);
    expect((await get('/fhir/DetectedIssue?_include=DetectedIssue:patient')).status).toBe(400);
  });

  test('Patient?_id= by the id the hospital sent or the namespaced one', async () => {
    expect(ids((await get(`/fhir/Patient?_id=${PATIENT}`)).body)).toEqual([`hospa.${PATIENT}`]);
    expect(ids((await get(`/fhir/Patient?_id=hospa.${PATIENT}`)).body)).toEqual([`hospa.${PATIENT}`]);
    expect((await h.request('GET', `/fhir/Patient?_id=${PATIENT}`, { token: TOKENS.hospB })).body.total).toBe(
      0,
    );
  });

  test('compartment search: Patient/{id}/DetectedIssue is DetectedIssue?patient={id}', async () => {
    const a = (await get(`/fhir/Patient/${PATIENT}/DetectedIssue?_count=1000`)).body;
    const b = (await get(`/fhir/DetectedIssue?patient=${PATIENT}&_count=1000`)).body;
    expect(a.total).toBeGreaterThan(0);
    expect(ids(a)).toEqual(ids(b));
    expect((await get(`/fhir/Patient/${PATIENT}/Group`)).status).toBe(404);
    expect(
      (await h.request('GET', `/fhir/Patient/${PATIENT}/DetectedIssue`, { token: TOKENS.hospB })).body.total,
    ).toBe(0);
  });
});

describe('methods and formats', () => {
  test('DELETE and PATCH answer 405 with Allow, as an OperationOutcome', async () => {
    for (const [method, path, allow] of [
      ['DELETE', `/fhir/Patient/${PATIENT}`, 'GET, PUT'],
      ['PATCH', `/fhir/Patient/${PATIENT}`, 'GET, PUT'],
      ['DELETE', '/fhir/Patient', 'GET, POST'],
      ['PUT', '/fhir/Patient', 'GET, POST'],
      ['DELETE', '/fhir/MedicationStatement/x/_history/1', 'GET'],
    ]) {
      const res = await h.request(method, path, { token: TOKENS.hospA });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
      expect(res.headers.get('allow')).toBe(allow);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    // a real DELETE (cancelling an export) is not shadowed
    expect((await h.request('DELETE', '/fhir/_export/nope', { token: TOKENS.exporter })).status).toBe(404);
  });

  test('XML is refused with 406; JSON, wildcards and no Accept are served', async () => {
    for (const accept of ['application/fhir+xml', 'application/xml, text/xml', 'application/fhir+json;q=0'])
      expect((await get('/fhir/metadata', { accept })).status).toBe(406);
    expect((await get('/fhir/metadata?_format=xml')).status).toBe(406);
    const refused = await get(`/fhir/Patient/${PATIENT}`, { accept: 'application/fhir+xml' });
    expect(refused.status).toBe(406);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    for (const accept of [
      'application/fhir+json',
      'application/json',
      '*/*',
      'application/fhir+xml;q=0.9, */*;q=0.1',
    ])
      expect((await get('/fhir/metadata', { accept })).status).toBe(200);
    expect((await get('/fhir/metadata?_format=json')).status).toBe(200);
  });
});
