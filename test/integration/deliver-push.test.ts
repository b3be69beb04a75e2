/**
 * Push to a registry: a real, independent FHIR server (@medplum/fhir-router, in-memory) on loopback
 * receives courses and flags as transaction Bundles of conditional updates. What it holds is checked
 * after a push, a re-send, a withdrawal, and an outage (retries, dead letter, replay).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { startTestRegistry, type TestRegistry } from '../helpers/fhir-registry';
import { cli } from '../helpers/cli';

const REGISTRY_TOKEN = 'registry-bearer-token-0001';
let h: Harness;
let registry: TestRegistry;
let otherRegistry: TestRegistry;

const fixture = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8')) as Bundle;
const patientOf = (b: Bundle) => b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;

beforeAll(async () => {
  registry = await startTestRegistry({ token: REGISTRY_TOKEN });
  otherRegistry = await startTestRegistry();
  h = await startHarness('deliver-push', {
    config: {
      jobAttempts: 3,
      publicBaseUrl: 'https://bitebridge.example',
      deliveryAllowedHosts: '127.0.0.1',
      deliveryDestinationsJson: JSON.stringify([
        {
          id: 'leuk-reg',
          source: 'hospa',
          baseUrl: registry.base,
          auth: { type: 'bearer', token: REGISTRY_TOKEN },
          bundleSize: 5,
        },
        { id: 'other-src', source: 'hospb', baseUrl: otherRegistry.base },
      ]),
    },
  });
}, 60_000);
afterAll(async () => {
  await h.close();
  await registry.close();
  await otherRegistry.close();
});

async function run(...line: string[]): Promise<{ code: number; out: string }> {
  const r = await cli(h, line);
  return { code: r.code, out: r.out.join('\n') };
}

/** bitebridge's current outputs of a patient, as a registry should hold them. */
async function outputsOf(patient: string) {
  const courses = await h.request('GET', `/fhir/MedicationStatement?patient=${patient}&_count=1000`, {
    token: TOKENS.hospA,
  });
  const flags = await h.request('GET', `/fhir/DetectedIssue?patient=${patient}&_count=1000`, {
    token: TOKENS.hospA,
  });
  return {
    courses: (courses.body.entry ?? []).map((e: any) => e.resource) as MedicationStatement[],
    flags: (flags.body.entry ?? []).map((e: any) => e.resource) as DetectedIssue[],
  };
}

const ident = (r: { identifier?: Array<{ value?: string }> }) => r.identifier?.[0]?.value;
const forPatient = (patient: string) => (r: MedicationStatement | DetectedIssue) =>
  ((r as MedicationStatement).subject ?? (r as DetectedIssue).patient)?.reference ===
  `https://bitebridge.example/fhir/Patient/${patient}`;

test('new courses and flags arrive as conditional updates, references resolvable here', async () => {
  const bundle = fixture('seed-000.json');
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle })).status).toBe(200);
  await h.idle(60_000);
  const patient = `hospa.${patientOf(bundle)}`;
  const ours = await outputsOf(patient);
  expect(ours.courses.length).toBeGreaterThan(0);
  expect(ours.flags.length).toBeGreaterThan(0);

  const theirCourses = (await registry.search<MedicationStatement>('MedicationStatement')).filter(
    forPatient(patient),
  );
  const theirFlags = (await registry.search<DetectedIssue>('DetectedIssue')).filter(forPatient(patient));
  expect(theirCourses.map(ident).sort()).toEqual(ours.courses.map(ident).sort());
  expect(theirFlags.map(ident).sort()).toEqual(ours.flags.map(ident).sort());
  // The registry's own ids; our evidence stays here, referenced absolutely.
  for (const f of theirFlags) {
    expect(f.id).not.toBe(ours.flags.find((o) => ident(o) === ident(f))!.id);
    expect(f.implicated![0].reference).toMatch(/^https:\/\/bitebridge\.example\/fhir\/MedicationStatement\//);
  }
  // Bundles of at most 5 entries: more than one transaction for this patient, all authorised.
  const posts = registry.requests.filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(Math.ceil((ours.courses.length + ours.flags.length) / 5));
  expect(registry.requests.every((r) => r.authorized)).toBe(true);
  // Another source's destination gets nothing of hospa's.
  expect(otherRegistry.requests).toHaveLength(0);
});

test('a re-send is a no-op at the registry: the same resources, unchanged', async () => {
  const before = await registry.search<DetectedIssue>('DetectedIssue');
  const content = new Map(before.map((r) => [r.id, { ...r, meta: undefined }]));
  // Forget what was acknowledged, then push again: everything is re-sent.
  const patient = `hospa.${patientOf(fixture('seed-000.json'))}`;
  const ackKeys = await h.rt.conn.keys(`${h.prefix}:{p:${patient}}:dlv:acked:*`);
  expect(ackKeys.length).toBe(1);
  await h.rt.conn.del(...ackKeys);
  const posts = registry.requests.filter((r) => r.method === 'POST').length;
  await h.rt.queues.get('deliver').add('push', { destination: 'leuk-reg', patient }, { jobId: 'resend-1' });
  await h.idle(60_000);
  expect(registry.requests.filter((r) => r.method === 'POST').length).toBeGreaterThan(posts);
  const after = await registry.search<DetectedIssue>('DetectedIssue');
  expect(after).toHaveLength(before.length);
  // Same registry ids (matched by identifier, nothing created) and identical content. Whether an
  // identical update also records a version is the registry's choice: Medplum's and HAPI's servers
  // skip it, this in-memory repository records one.
  for (const r of after) expect({ ...r, meta: undefined }).toEqual(content.get(r.id));
});

test('withdrawn courses and flags reach the registry as entered-in-error', async () => {
  const bundle = fixture('seed-000.json');
  for (const e of bundle.entry!)
    if (e.resource?.resourceType === 'MedicationAdministration')
      (e.resource as any).status = 'entered-in-error';
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle })).status).toBe(200);
  await h.idle(60_000);
  const patient = `hospa.${patientOf(bundle)}`;
  const courses = (await registry.search<MedicationStatement>('MedicationStatement')).filter(
    forPatient(patient),
  );
  const flags = (await registry.search<DetectedIssue>('DetectedIssue')).filter(forPatient(patient));
  expect(courses.length).toBeGreaterThan(0);
  for (const r of [...courses, ...flags]) expect(r.status).toBe('entered-in-error');
});

test('registry outage: retries, then the dead letter; replay delivers', async () => {
  registry.down = true;
  const bundle = fixture('seed-001.json');
  const patient = `hospa.${patientOf(bundle)}`;
  const refusedBefore = registry.requests.length;
  expect((await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle })).status).toBe(200);
  await h.idle(60_000);
  const failed = await h.rt.queues.get('deliver').getFailed();
  const dead = failed.filter((j) => j.data.patient === patient);
  expect(dead).toHaveLength(1);
  expect(dead[0].attemptsMade).toBe(3);
  expect(dead[0].failedReason).toBe('registry answered HTTP 503');
  expect(registry.requests.length - refusedBefore).toBe(3);
  expect(
    (await registry.search<MedicationStatement>('MedicationStatement')).filter(forPatient(patient)),
  ).toHaveLength(0);
  const metrics = await h.request('GET', '/metrics');
  expect(metrics.body).toMatch(/bitebridge_delivery_failed_total\{destination="leuk-reg"\} [1-9]/);

  // The dead letter, as the CLI and the API show it.
  const cli = await run('deliveries');
  expect(cli.out).toMatch(/^leuk-reg\tsource=hospa\t.*\tauth=bearer\tdead=1$/m);
  expect(cli.out).not.toContain(REGISTRY_TOKEN);
  expect((await run('deliveries', '--destination', 'leuk-reg')).out).toContain(
    `${dead[0].id}\tpatient=${patient}`,
  );
  const listed = await h.request('GET', '/admin/destinations/leuk-reg/dead', { token: TOKENS.admin });
  expect(listed.body.dead).toEqual([expect.objectContaining({ jobId: dead[0].id, patient, attempts: 3 })]);

  registry.down = false;
  const replay = await h.request('POST', '/admin/destinations/leuk-reg/replay', { token: TOKENS.admin });
  expect(replay.body).toEqual({ destination: 'leuk-reg', replayed: 1 });
  await h.idle(60_000);
  const ours = await outputsOf(patient);
  const theirs = (await registry.search<MedicationStatement>('MedicationStatement')).filter(
    forPatient(patient),
  );
  expect(theirs.map(ident).sort()).toEqual(ours.courses.map(ident).sort());
  expect((await h.request('GET', '/metrics')).body).toMatch(
    /bitebridge_delivery_sent_total\{destination="leuk-reg",resource_type="MedicationStatement"\} [1-9]/,
  );
});

test('destinations through the admin API: allow-listed hosts only, no secrets shown, filters applied', async () => {
  const put = (id: string, body: unknown, token = TOKENS.admin) =>
    h.request('PUT', `/admin/destinations/${id}`, {
      token,
      body,
      headers: { 'content-type': 'application/json' },
    });
  expect((await put('x', { baseUrl: otherRegistry.base }, TOKENS.hospA)).status).toBe(403);
  expect((await put('evil', { baseUrl: 'http://169.254.169.254/latest' })).status).toBe(400);
  expect((await put('evil', { baseUrl: 'file:///etc/passwd' })).status).toBe(400);
  expect((await put('bad', { baseUrl: otherRegistry.base, bundleSize: 0 })).status).toBe(400);
  expect((await put('leuk-reg', { baseUrl: otherRegistry.base })).status).toBe(400); // configured: fixed
  const created = await put('courses-only', {
    baseUrl: otherRegistry.base,
    auth: { type: 'bearer', token: 'another-secret-token' },
    filter: { resourceTypes: ['MedicationStatement'] },
  });
  expect(created.status).toBe(200);
  expect(created.body.source).toBe('hospa');
  const list = await h.request('GET', '/admin/destinations', { token: TOKENS.admin });
  expect(list.body.destinations.map((d: any) => d.id).sort()).toEqual(['courses-only', 'leuk-reg']);
  expect(JSON.stringify(list.body)).not.toMatch(/secret|registry-bearer-token/);

  const patient = `hospa.${patientOf(fixture('seed-001.json'))}`;
  await h.rt.queues
    .get('deliver')
    .add('push', { destination: 'courses-only', patient }, { jobId: 'api-dest-1' });
  await h.idle(60_000);
  const courses = (await otherRegistry.search<MedicationStatement>('MedicationStatement')).filter(
    forPatient(patient),
  );
  expect(courses.map(ident).sort()).toEqual((await outputsOf(patient)).courses.map(ident).sort());
  expect(await otherRegistry.search('DetectedIssue')).toHaveLength(0);

  expect(
    (await h.request('GET', '/admin/destinations/courses-only/dead', { token: TOKENS.admin })).body,
  ).toEqual({ dead: [] });
  expect((await h.request('DELETE', '/admin/destinations/leuk-reg', { token: TOKENS.admin })).status).toBe(
    409,
  );
  expect(
    (await h.request('DELETE', '/admin/destinations/courses-only', { token: TOKENS.admin })).status,
  ).toBe(204);
  expect(
    (await h.request('GET', '/admin/destinations/courses-only/dead', { token: TOKENS.admin })).status,
  ).toBe(404);
});
