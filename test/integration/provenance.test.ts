/**
 * Every saved version of a course or flag has a Provenance whose entities resolve to stored source
 * versions; Provenance is searchable by target and patient, exportable, and scoped to its source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Provenance } from '@medplum/fhirtypes';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('provenance');
}, 60_000);
afterAll(async () => {
  await h.close();
});

const fixture = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8')) as Bundle;
const bundle = fixture('seed-002.json');
const patient = `hospa.${bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id}`;

async function all(path: string, token = TOKENS.hospA): Promise<any[]> {
  const res = await h.request('GET', `${path}${path.includes('?') ? '&' : '?'}_count=1000`, { token });
  expect(res.status).toBe(200);
  return (res.body.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource);
}

/** Each version (current and previous) of each output of the patient: `Type/id/_history/v`. */
async function outputVersions(): Promise<string[]> {
  const out: string[] = [];
  for (const [key, cur] of await h.rt.store.currentOutputs(patient)) {
    out.push(`${key}/_history/${cur.versionId}`);
    for (const old of await h.rt.store.outputHistory(key, patient))
      out.push(`${key}/_history/${old.meta!.versionId}`);
  }
  return out;
}

async function expectEveryVersionHasProvenance(): Promise<void> {
  const versions = await outputVersions();
  expect(versions.length).toBeGreaterThan(0);
  for (const v of versions) {
    const found: Provenance[] = await all(`/fhir/Provenance?target=${v}`);
    expect(found).toHaveLength(1);
    expect(found[0].target).toEqual([{ reference: v }]);
    expect(found[0].entity!.length).toBeGreaterThan(0);
    for (const e of found[0].entity!) {
      expect(e.role).toBe('source');
      const read = await h.request('GET', `/fhir/${e.what.reference}`, { token: TOKENS.hospA });
      expect(read.status).toBe(200);
      expect(`${read.body.resourceType}/${read.body.id}/_history/${read.body.meta.versionId}`).toBe(
        e.what.reference,
      );
    }
  }
}

test('every output version has a Provenance whose entities resolve to stored source versions', async () => {
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle })).status).toBe(200);
  await h.idle(60_000);
  await expectEveryVersionHasProvenance();
});

test('new versions (a corrected source) get their own Provenance too', async () => {
  const obs = bundle
    .entry!.filter((e) => e.resource?.resourceType === 'Observation')
    .map((e) => e.resource as any);
  const before = (await outputVersions()).length;
  // Withdraw every Observation: flags resting on them are withdrawn (a new version each).
  const corrected: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: obs.map((o) => ({
      resource: { ...o, status: 'entered-in-error' },
      request: { method: 'PUT', url: `Observation/${o.id}` },
    })),
  };
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: corrected })).status).toBe(200);
  await h.idle(60_000);
  expect((await outputVersions()).length).toBeGreaterThan(before);
  // Entities of the newest versions resolve to current sources; a Provenance of an earlier version
  // may name a source version since replaced (sources keep only their current version), so only
  // current output versions are resolved here.
  for (const [key, cur] of await h.rt.store.currentOutputs(patient)) {
    const [p]: Provenance[] = await all(`/fhir/Provenance?target=${key}/_history/${cur.versionId}`);
    expect(p).toBeDefined();
  }
  // And every version still has exactly one.
  for (const v of await outputVersions()) expect(await all(`/fhir/Provenance?target=${v}`)).toHaveLength(1);
});

test('search by patient and by target without version; another source sees none', async () => {
  const byPatient = await all(`/fhir/Provenance?patient=Patient/${patient}`);
  expect(byPatient).toHaveLength((await outputVersions()).length);
  const [key] = [...(await h.rt.store.currentOutputs(patient)).keys()];
  const byTarget = await all(`/fhir/Provenance?target=${key}`);
  expect(byTarget.length).toBe(1 + (await h.rt.store.outputHistory(key, patient)).length);
  expect(await all(`/fhir/Provenance?patient=Patient/${patient}`, TOKENS.hospB)).toHaveLength(0);
  const bad = await h.request('GET', '/fhir/Provenance?target=not%20a%20reference', { token: TOKENS.hospA });
  expect(bad.status).toBe(400);
  expect(bad.body.resourceType).toBe('OperationOutcome');
});

test('exportable with _type=Provenance', async () => {
  const kick = await h.request('GET', '/fhir/$export?_type=Provenance', {
    token: TOKENS.exporter,
    headers: { prefer: 'respond-async' },
  });
  expect(kick.status).toBe(202);
  const status = new URL(kick.headers.get('content-location')!).pathname;
  let res = await h.request('GET', status, { token: TOKENS.exporter });
  for (let i = 0; res.status === 202 && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await h.request('GET', status, { token: TOKENS.exporter });
  }
  expect(res.status).toBe(200);
  expect(res.body.output.map((o: any) => o.type)).toEqual(['Provenance']);
  expect(res.body.output[0].count).toBe((await outputVersions()).length);
});
