/**
 * The flat registry export over real HTTP: CSV rows per course and per flag of the caller's source,
 * in the columns of profiles/registry-row.schema.json, compared with what the store holds.
 */
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { patientBundle, post } from './export-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('registryexport');
  for (const p of ['p1', 'p2']) await post(h, TOKENS.hospB, patientBundle(p, 2));
  await post(h, TOKENS.hospA, patientBundle('p1', 3));
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
}, 120_000);

async function storeCount(type: string, token: string): Promise<number> {
  const r = await h.request('GET', `/fhir/${type}?_count=0`, { token });
  expect(r.status).toBe(200);
  return r.body.total;
}

describe('$registry-export (flat CSV)', () => {
  const csv = async (query: string, token = TOKENS.hospB) => {
    const res = await fetch(`${h.base}/fhir/$registry-export${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      lines: (await res.text()).split('\r\n').filter((l) => l !== ''),
    };
  };

  test('one row per course of the source, in the schema columns', async () => {
    const { status, type, lines } = await csv('?format=csv&table=courses');
    expect(status).toBe(200);
    expect(type).toContain('text/csv');
    expect(lines[0].split(',').slice(0, 4)).toEqual(['table', 'patient', 'courseId', 'courseNumber']);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBe(await storeCount('MedicationStatement', TOKENS.hospB));
    expect(rows.every((r) => r[0] === 'course' && r[1].startsWith('hospb.'))).toBe(true);
  });

  test('one row per flag of the source', async () => {
    const { status, lines } = await csv('?format=csv&table=flags');
    expect(status).toBe(200);
    expect(lines[0].split(',')[1]).toBe('flagId');
    expect(lines.length - 1).toBe(await storeCount('DetectedIssue', TOKENS.hospB));
  });

  test('another source sees only its own rows; scopes and parameters are checked', async () => {
    const { lines } = await csv('?table=courses', TOKENS.exporter);
    expect(lines.slice(1).every((l) => l.split(',')[1].startsWith('hospa.'))).toBe(true);
    expect((await csv('?table=courses', TOKENS.hospA)).status).toBe(403);
    expect((await csv('?table=nope')).status).toBe(400);
    expect((await csv('?format=xlsx')).status).toBe(400);
  });
});
