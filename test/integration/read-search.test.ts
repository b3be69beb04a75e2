/**
 * Read and search over real HTTP with real workers and Redis: visibility by source, versions of
 * derived outputs, every search parameter, paging, sorting and unknown-parameter handling.
 */
import type { Bundle, MedicationStatement, Resource } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { infusion, patientBundle, post, RXNORM } from './export-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('readsearch');
  for (const p of ['p1', 'p2', 'p3']) await post(h, TOKENS.hospB, patientBundle(p, 2));
  await post(h, TOKENS.hospA, patientBundle('p1', 3));
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
}, 120_000);

const search = (path: string, token = TOKENS.hospB, headers?: Record<string, string>) =>
  h.request('GET', path, { token, headers });
const resources = (b: Bundle): Resource[] =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);

async function courseOf(patient: string): Promise<MedicationStatement> {
  const [c] = [...(await h.rt.store.currentOutputs(patient)).values()].filter(
    (o) => o.resource.resourceType === 'MedicationStatement',
  );
  return c.resource as MedicationStatement;
}

describe('read', () => {
  test('a source resource by the id the source sent, or by its namespaced id', async () => {
    const a = await search('/fhir/Patient/p1');
    expect(a.status).toBe(200);
    expect(a.body.id).toBe('hospb.p1');
    expect(a.headers.get('etag')).toBe('W/"1"');
    expect((await search('/fhir/Patient/hospb.p1')).body.id).toBe('hospb.p1');
  });

  test("another source's resource is a 404 OperationOutcome, exactly like an absent one", async () => {
    for (const path of ['/fhir/Patient/hospb.p1', '/fhir/Patient/nope']) {
      const r = await search(path, TOKENS.hospA);
      expect(r.status).toBe(404);
      expect(r.body.resourceType).toBe('OperationOutcome');
    }
    expect((await search('/fhir/Patient/p1', TOKENS.hospA)).body.id).toBe('hospa.p1');
  });

  test('a derived course, its versions, and isolation', async () => {
    const c1 = await courseOf('hospb.p2');
    const r = await search(`/fhir/MedicationStatement/${c1.id}`);
    expect(r.status).toBe(200);
    expect(r.body.subject.reference).toBe('Patient/hospb.p2');
    expect((await search(`/fhir/MedicationStatement/${c1.id}`, TOKENS.hospA)).status).toBe(404);

    await post(h, TOKENS.hospB, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: infusion('p2-late', 'p2', '2015-02-03'),
          request: { method: 'PUT', url: 'MedicationAdministration/p2-late' },
        },
      ],
    });
    await h.idle();
    const current = await search(`/fhir/MedicationStatement/${c1.id}`);
    expect(current.body.meta.versionId).toBe('2');
    const v1 = await search(`/fhir/MedicationStatement/${c1.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.meta.versionId).toBe('1');
    expect(v1.body.derivedFrom.length).toBe(current.body.derivedFrom.length - 1);
    expect((await search(`/fhir/MedicationStatement/${c1.id}/_history/2`)).body.meta.versionId).toBe('2');
    expect((await search(`/fhir/MedicationStatement/${c1.id}/_history/9`)).status).toBe(404);
    expect((await search(`/fhir/MedicationStatement/${c1.id}/_history/1`, TOKENS.hospA)).status).toBe(404);
  });

  test('no token is 401', async () => {
    expect((await h.request('GET', '/fhir/Patient/p1')).status).toBe(401);
  });
});

describe('search', () => {
  test('patient, subject and code', async () => {
    const byPatient = await search('/fhir/MedicationAdministration?patient=Patient/p1');
    expect(byPatient.status).toBe(200);
    expect(byPatient.body.type).toBe('searchset');
    expect(byPatient.body.total).toBe(2);
    expect(resources(byPatient.body).every((r) => (r as any).subject.reference === 'Patient/hospb.p1')).toBe(
      true,
    );
    expect((await search('/fhir/MedicationAdministration?subject=hospb.p1')).body.total).toBe(2);

    const courses = await search(`/fhir/MedicationStatement?code=${encodeURIComponent(`${RXNORM}|1597258`)}`);
    const stored = (await Promise.all(['hospb.p1', 'hospb.p2', 'hospb.p3'].map(courseOf)))
      .map((c) => c.id)
      .sort();
    expect(
      resources(courses.body)
        .map((r) => r.id)
        .sort(),
    ).toEqual(stored);
    expect((await search('/fhir/MedicationStatement?code=1597258')).body.total).toBe(stored.length);
    expect((await search('/fhir/MedicationStatement?code=999')).body.total).toBe(0);
  });

  test("one source never sees another source's patients", async () => {
    const a = await search('/fhir/Patient?_count=100', TOKENS.hospA);
    expect(resources(a.body).map((r) => r.id)).toEqual(['hospa.p1']);
    const cross = await search('/fhir/MedicationAdministration?patient=hospa.p1');
    expect(cross.body.total).toBe(0);
  });

  test('_id and _lastUpdated', async () => {
    expect(resources((await search('/fhir/Patient?_id=hospb.p2')).body).map((r) => r.id)).toEqual([
      'hospb.p2',
    ]);
    const all = await search('/fhir/MedicationAdministration?_count=100');
    const times = resources(all.body)
      .map((r) => r.meta!.lastUpdated!)
      .sort();
    const last = times[times.length - 1];
    expect((await search(`/fhir/MedicationAdministration?_lastUpdated=gt${last}`)).body.total).toBe(0);
    expect((await search(`/fhir/MedicationAdministration?_lastUpdated=le${last}`)).body.total).toBe(
      all.body.total,
    );
    const expectedGe = times.filter((t) => t >= times[2]).length;
    expect((await search(`/fhir/MedicationAdministration?_lastUpdated=ge${times[2]}`)).body.total).toBe(
      expectedGe,
    );
    expect(
      (await search(`/fhir/MedicationAdministration?_lastUpdated=ge${times[0]}&_lastUpdated=lt${times[0]}`))
        .body.total,
    ).toBe(0);
    expect((await search('/fhir/MedicationAdministration?_lastUpdated=ge2999')).body.total).toBe(0);
  });

  test('paging with next links visits every match exactly once; _sort orders by last-updated', async () => {
    const first = await search('/fhir/MedicationAdministration?_count=2');
    const total = first.body.total as number;
    expect(total).toBeGreaterThan(4);
    const seen: string[] = [];
    let page = first.body as Bundle;
    for (;;) {
      expect(resources(page).length).toBeLessThanOrEqual(2);
      seen.push(...resources(page).map((r) => r.id!));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      const u = new URL(next);
      page = (await search(u.pathname + u.search)).body;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    const desc = resources(
      (await search('/fhir/MedicationAdministration?_sort=-_lastUpdated&_count=100')).body,
    ).map((r) => r.meta!.lastUpdated!);
    expect(desc).toEqual([...desc].sort().reverse());
  });

  test('unknown parameters are reported in an outcome entry, or rejected under strict handling', async () => {
    const lenient = await search('/fhir/Patient?name=x&_id=hospb.p1');
    expect(lenient.status).toBe(200);
    expect(lenient.body.total).toBe(1);
    const outcome = lenient.body.entry.find((e: any) => e.search.mode === 'outcome');
    expect(outcome.resource.resourceType).toBe('OperationOutcome');
    expect(outcome.resource.issue[0].expression).toEqual(['name']);
    expect(lenient.body.link[0].url).not.toContain('name=');
    const strict = await search('/fhir/Patient?name=x', TOKENS.hospB, { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
  });

  test('malformed values are 400, unknown types 404', async () => {
    expect((await search('/fhir/Patient?_count=abc')).status).toBe(400);
    expect((await search('/fhir/Patient?_lastUpdated=soon')).status).toBe(400);
    expect((await search('/fhir/Nonsense')).status).toBe(404);
  });

  test('fhir-kit-client pages through a search', async () => {
    const client = new Client({ baseUrl: `${h.base}/fhir`, bearerToken: TOKENS.hospB });
    let bundle = (await client.search({
      resourceType: 'MedicationAdministration',
      searchParams: { _count: 3 },
    })) as unknown as Bundle;
    const ids: string[] = [];
    for (;;) {
      ids.push(...resources(bundle).map((r) => r.id!));
      const next = client.nextPage({
        bundle: bundle as unknown as Parameters<typeof client.nextPage>[0]['bundle'],
      });
      if (!next) break;
      bundle = (await next) as unknown as Bundle;
    }
    expect(new Set(ids).size).toBe(bundle.total);
  });
});

test('the CapabilityStatement lists read, vread, search-type and the parameters', async () => {
  const cs = (await h.request('GET', '/fhir/metadata')).body;
  const ms = cs.rest[0].resource.find((r: any) => r.type === 'MedicationStatement');
  expect(ms.interaction.map((i: any) => i.code)).toEqual(
    expect.arrayContaining(['read', 'vread', 'search-type']),
  );
  expect(ms.searchParam.map((p: any) => p.name)).toEqual(
    expect.arrayContaining(['_id', '_lastUpdated', 'patient', 'subject', 'code']),
  );
  const patientRes = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
  expect(patientRes.searchParam.map((p: any) => p.name)).not.toContain('patient');
});
