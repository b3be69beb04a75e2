/**
 * End to end, as a hospital and a registry would see it: each seed fixture is posted over HTTP, the
 * workers run, and the course and the expected DetectedIssues are read back through the FHIR API.
 * Every flag's evidence must resolve to a stored source resource, at the version the flag names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { SEED_EXPECTATIONS } from '../fixtures/seeds/expectations';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('e2e-seeds');
});
afterAll(async () => {
  await h.close();
});

const fixture = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8')) as Bundle;

async function searchAll(path: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = path;
  while (next) {
    const res = await h.request('GET', next, { token: TOKENS.hospA });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    out.push(
      ...(res.body.entry ?? []).filter((e: any) => e.search?.mode !== 'outcome').map((e: any) => e.resource),
    );
    const link = (res.body.link ?? []).find((l: any) => l.relation === 'next')?.url;
    next = link ? new URL(link).pathname + new URL(link).search : undefined;
  }
  return out;
}

describe.each(SEED_EXPECTATIONS.map((e) => [e.file, e] as const))('%s', (file, expected) => {
  test('posted over HTTP, read back as courses and flags', async () => {
    const bundle = fixture(file);
    const res = await h.request('POST', '/fhir', { token: TOKENS.hospA, body: bundle });
    expect(res.status).toBe(200);
    expect(res.body.entry.every((e: any) => /^20[01]/.test(e.response.status))).toBe(true);
    await h.idle(60_000);

    const patientId = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!.id!;
    const patient = `hospa.${patientId}`;
    const courses = (await searchAll(`/fhir/MedicationStatement?patient=Patient/${patient}`)).filter(
      (c) => c.status !== 'entered-in-error',
    );
    expect(courses).toHaveLength(expected.cycles.length);
    const flags = (await searchAll(`/fhir/DetectedIssue?patient=Patient/${patient}`)).filter(
      (f) => f.status !== 'entered-in-error',
    );
    const codes = flags.map((f) => f.code.coding[0].code);
    for (const must of expected.mustRaise) expect(codes).toContain(must.code);
    for (const mustNot of expected.mustNotRaise) expect(codes).not.toContain(mustNot);
    if (expected.flagCount !== undefined) expect(flags).toHaveLength(expected.flagCount);

    for (const f of flags) {
      const course = await h.request('GET', `/fhir/${f.implicated[0].reference}`, { token: TOKENS.hospA });
      expect(course.status).toBe(200);
      expect(f.evidence[0].detail.length).toBeGreaterThan(0);
      for (const ref of f.evidence[0].detail) {
        const src = await h.request('GET', `/fhir/${ref.reference}`, { token: TOKENS.hospA });
        expect(src.status).toBe(200);
      }
    }
  }, 120_000);
});
