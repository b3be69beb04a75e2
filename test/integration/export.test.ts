/**
 * Bulk Data $export over real HTTP with real workers and Redis: system, patient and group level,
 * `_since` increments, `_type`, `_typeFilter`, cancel, scopes and source isolation, and one run driven
 * by fhir-kit-client. Counts are compared with what the store holds (read back through search).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import {
  exportAll,
  group,
  infusion,
  kickOff,
  patientBundle,
  poll,
  post,
  RXNORM,
  type Manifest,
} from './export-fixtures';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-export-test-'));
  h = await startHarness('export', { config: { exportDir: dir } });
  for (const p of ['p1', 'p2', 'p3']) await post(h, TOKENS.hospB, patientBundle(p, 2));
  await post(h, TOKENS.hospA, patientBundle('p1', 3));
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** What the store holds for a type, as the source sees it (read back through search). */
async function storeCount(type: string, token: string, extra = ''): Promise<number> {
  const r = await h.request('GET', `/fhir/${type}?_count=0${extra}`, { token });
  expect(r.status).toBe(200);
  return r.body.total;
}

const patientRef = (r: Resource) =>
  r.resourceType === 'Patient'
    ? r.id
    : ((r as any).subject ?? (r as any).patient)?.reference?.replace('Patient/', '');

test('a system export holds exactly what the store holds for the source, one valid resource per line', async () => {
  const { manifest, files, errors } = await exportAll(h, '/fhir/$export', TOKENS.hospB);
  expect(manifest.requiresAccessToken).toBe(true);
  expect(manifest.request).toMatch(/\/fhir\/\$export$/);
  expect(new Date(manifest.transactionTime).toISOString()).toBe(manifest.transactionTime);
  expect(errors).toEqual([]);
  // The fixtures' infusions make courses, and (a gap inside the cycle) interruption flags.
  expect([...files.keys()].sort()).toEqual([
    'DetectedIssue',
    'MedicationAdministration',
    'MedicationStatement',
    'Patient',
  ]);
  for (const o of manifest.output) {
    const lines = files.get(o.type)!;
    expect(lines.length).toBe(o.count);
    expect(lines.every((r) => r.resourceType === o.type)).toBe(true);
    expect(o.count).toBe(await storeCount(o.type, TOKENS.hospB));
  }
  const all = [...files.values()].flat();
  expect(all.every((r) => patientRef(r)?.startsWith('hospb.'))).toBe(true);
  expect(
    files
      .get('Patient')!
      .map((p) => p.id)
      .sort(),
  ).toEqual(['hospb.p1', 'hospb.p2', 'hospb.p3']);
});

test('_since = the last transactionTime returns exactly the resources written since, and nothing twice', async () => {
  const first = await exportAll(h, '/fhir/$export', TOKENS.hospB);
  const t1 = first.manifest.transactionTime;
  // new patient, a changed resource (new version), and a re-send that changes nothing
  await post(h, TOKENS.hospB, patientBundle('p4', 2));
  const changed: MedicationAdministration = { ...infusion('p1-ma0', 'p1', '2015-02-01'), status: 'stopped' };
  await post(h, TOKENS.hospB, transaction([changed, infusion('p1-ma1', 'p1', '2015-02-02')]));
  await h.idle();
  const second = await exportAll(h, `/fhir/$export?_since=${encodeURIComponent(t1)}`, TOKENS.hospB);
  const t2 = second.manifest.transactionTime;
  const all = [...second.files.values()].flat();
  expect(all.every((r) => r.meta!.lastUpdated! > t1 && r.meta!.lastUpdated! <= t2)).toBe(true);
  expect(second.files.get('Patient')!.map((p) => p.id)).toEqual(['hospb.p4']);
  expect(
    second.files
      .get('MedicationAdministration')!
      .map((r) => r.id)
      .sort(),
  ).toEqual(['hospb.p1-ma0', 'hospb.p4-ma0', 'hospb.p4-ma1']);
  for (const o of second.manifest.output) {
    expect(o.count).toBe(
      await storeCount(
        o.type,
        TOKENS.hospB,
        `&_lastUpdated=gt${encodeURIComponent(t1)}&_lastUpdated=le${encodeURIComponent(t2)}`,
      ),
    );
  }
  // nothing written since: an empty export
  const third = await exportAll(h, `/fhir/$export?_since=${encodeURIComponent(t2)}`, TOKENS.hospB);
  expect(third.manifest.output).toEqual([]);
});

test('_type limits the files; _typeFilter keeps the matching resources of its type', async () => {
  const typed = await exportAll(h, '/fhir/$export?_type=Patient,MedicationStatement', TOKENS.hospB);
  expect([...typed.files.keys()].sort()).toEqual(['MedicationStatement', 'Patient']);

  const code = encodeURIComponent(`MedicationStatement?code=${RXNORM}|1597258`);
  const kept = await exportAll(
    h,
    `/fhir/$export?_type=MedicationStatement&_typeFilter=${code}`,
    TOKENS.hospB,
  );
  expect(kept.files.get('MedicationStatement')!.length).toBe(
    await storeCount('MedicationStatement', TOKENS.hospB),
  );
  const none = await exportAll(
    h,
    `/fhir/$export?_typeFilter=${encodeURIComponent('MedicationStatement?code=999')}`,
    TOKENS.hospB,
  );
  expect(none.files.has('MedicationStatement')).toBe(false);
  expect(none.files.has('Patient')).toBe(true);
  const flags = await exportAll(
    h,
    `/fhir/$export?_type=DetectedIssue&_typeFilter=${encodeURIComponent('DetectedIssue?code=crs')}`,
    TOKENS.hospB,
  );
  expect(flags.manifest.output.map((o) => o.count)).toEqual(
    flags.manifest.output.map((o) => flags.files.get(o.type)!.length),
  );
});

test('Patient/$export: patient data only; POST with Parameters works the same', async () => {
  const get = await exportAll(h, '/fhir/Patient/$export', TOKENS.hospB);
  expect([...get.files.keys()].sort()).toEqual([
    'DetectedIssue',
    'MedicationAdministration',
    'MedicationStatement',
    'Patient',
  ]);
  const k = await kickOff(h, '/fhir/Patient/$export', TOKENS.hospB, {
    method: 'POST',
    body: {
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Patient' },
        { name: '_outputFormat', valueString: 'ndjson' },
      ],
    },
  });
  expect(k.status).toBe(202);
  const done = await poll(h, k.headers.get('content-location')!, TOKENS.hospB);
  expect(done.status).toBe(200);
  expect((done.body as Manifest).output.map((o) => o.type)).toEqual(['Patient']);
});

test('Group/{id}/$export exports only the members, and reports members it cannot export', async () => {
  const g = group('registry-a', ['p1', 'p3']);
  g.member!.push({ entity: { reference: 'Device/d1' } });
  await post(h, TOKENS.hospB, transaction([g]));
  await h.idle();
  const { files, errors, manifest } = await exportAll(h, '/fhir/Group/registry-a/$export', TOKENS.hospB);
  expect(
    files
      .get('Patient')!
      .map((p) => p.id)
      .sort(),
  ).toEqual(['hospb.p1', 'hospb.p3']);
  expect([...files.values()].flat().every((r) => ['hospb.p1', 'hospb.p3'].includes(patientRef(r)!))).toBe(
    true,
  );
  expect(files.has('Group')).toBe(false);
  expect(manifest.error[0].type).toBe('OperationOutcome');
  expect(errors[0].resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(errors)).toContain('Group.member[2].entity');
  // the same group id of another source, an unknown group
  expect((await kickOff(h, '/fhir/Group/hospb.registry-a/$export', TOKENS.exporter)).status).toBe(404);
  expect((await kickOff(h, '/fhir/Group/nope/$export', TOKENS.hospB)).status).toBe(404);
});

test('kick-off needs Prefer: respond-async, the export scope and valid parameters', async () => {
  const noPrefer = await h.request('GET', '/fhir/$export', { token: TOKENS.hospB });
  expect(noPrefer.status).toBe(400);
  expect(noPrefer.body.resourceType).toBe('OperationOutcome');
  expect((await kickOff(h, '/fhir/$export', TOKENS.hospA)).status).toBe(403);
  expect((await kickOff(h, '/fhir/$export', TOKENS.readOnly)).status).toBe(403);
  expect((await kickOff(h, '/fhir/$export?_outputFormat=text/csv', TOKENS.hospB)).status).toBe(400);
  expect((await kickOff(h, '/fhir/$export?_type=Nonsense', TOKENS.hospB)).status).toBe(400);
  expect((await kickOff(h, '/fhir/$export?_since=yesterday', TOKENS.hospB)).status).toBe(400);
  expect(
    (
      await kickOff(h, '/fhir/$export?foo=1', TOKENS.hospB, {
        headers: { prefer: 'respond-async, handling=strict' },
      })
    ).status,
  ).toBe(400);
});

test("one source's export is invisible to another source, and never contains its patients", async () => {
  const mine = await exportAll(h, '/fhir/$export', TOKENS.exporter);
  expect([...mine.files.values()].flat().every((r) => patientRef(r)?.startsWith('hospa.'))).toBe(true);
  expect(mine.files.get('Patient')!.map((p) => p.id)).toEqual(['hospa.p1']);

  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  const statusUrl = k.headers.get('content-location')!;
  const done = await poll(h, statusUrl, TOKENS.hospB);
  const path = new URL(statusUrl).pathname;
  expect((await h.request('GET', path, { token: TOKENS.exporter })).status).toBe(404);
  expect((await h.request('DELETE', path, { token: TOKENS.exporter })).status).toBe(404);
  const fileUrl = new URL((done.body as Manifest).output[0].url);
  expect((await h.request('GET', fileUrl.pathname, { token: TOKENS.exporter })).status).toBe(404);
  expect((await h.request('GET', fileUrl.pathname, { token: TOKENS.hospA })).status).toBe(403);
  expect((await h.request('GET', fileUrl.pathname)).status).toBe(401);
  expect((await h.request('GET', `${path}/nope.ndjson`, { token: TOKENS.hospB })).status).toBe(404);
});

test('DELETE cancels: the status URL and the files are gone', async () => {
  const k = await kickOff(h, '/fhir/$export', TOKENS.hospB);
  const path = new URL(k.headers.get('content-location')!).pathname;
  const del = await h.request('DELETE', path, { token: TOKENS.hospB });
  expect(del.status).toBe(202);
  expect((await h.request('GET', path, { token: TOKENS.hospB })).status).toBe(404);
  expect((await h.request('DELETE', path, { token: TOKENS.hospB })).status).toBe(404);
  await h.idle();
  expect((await h.request('GET', path, { token: TOKENS.hospB })).status).toBe(404);

  // a completed export: cancelling deletes its files
  const done = await exportAll(h, '/fhir/$export?_type=Patient', TOKENS.hospB);
  const statusPath = new URL(done.manifest.output[0].url).pathname.split('/').slice(0, -1).join('/');
  expect((await h.request('DELETE', statusPath, { token: TOKENS.hospB })).status).toBe(202);
  expect(
    (await h.request('GET', new URL(done.manifest.output[0].url).pathname, { token: TOKENS.hospB })).status,
  ).toBe(404);
  expect(
    (await h.request('DELETE', '/fhir/_export/00000000-0000-0000-0000-000000000000', { token: TOKENS.hospB }))
      .status,
  ).toBe(404);
});

test('the CapabilityStatement announces the three export operations', async () => {
  const cs = (await h.request('GET', '/fhir/metadata')).body;
  expect(cs.rest[0].operation.map((o: any) => o.name)).toContain('export');
  const ops = (type: string) =>
    cs.rest[0].resource.find((r: any) => r.type === type).operation.map((o: any) => o.definition);
  expect(ops('Patient')).toContain('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export');
  expect(ops('Group')).toContain('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export');
});

test('fhir-kit-client drives a whole export: kick-off, poll, manifest', async () => {
  const client = new Client({ baseUrl: `${h.base}/fhir`, bearerToken: TOKENS.hospB });
  const accepted = await client.request('$export?_type=Patient', {
    options: { headers: { prefer: 'respond-async', accept: 'application/fhir+json' } },
  });
  const statusUrl = Client.httpFor(accepted).response!.headers.get('content-location')!;
  expect(Client.httpFor(accepted).response!.status).toBe(202);
  let manifest: Manifest | undefined;
  for (let i = 0; i < 300 && !manifest; i++) {
    const res = await client.request(statusUrl);
    if (Client.httpFor(res).response!.status === 200) manifest = res as unknown as Manifest;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(manifest!.output.map((o) => [o.type, o.count])).toEqual([
    ['Patient', await storeCount('Patient', TOKENS.hospB)],
  ]);
  const res = await fetch(manifest!.output[0].url, { headers: { authorization: `Bearer ${TOKENS.hospB}` } });
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Resource);
  expect(lines.length).toBe(manifest!.output[0].count);
  expect(lines.every((r) => r.resourceType === 'Patient')).toBe(true);
  await client.request(statusUrl, { method: 'DELETE' });
  await expect(client.request(statusUrl)).rejects.toMatchObject({ response: { status: 404 } });
});
