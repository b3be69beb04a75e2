/** The CLI's export and registry-export commands against a real store (no HTTP involved in the export). */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';
import { patientBundle, post } from './export-fixtures';

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-cli-test-'));
  h = await startHarness('exportcli');
  await post(h, TOKENS.hospB, patientBundle('p1', 2));
  await post(h, TOKENS.hospA, patientBundle('p1', 2));
  await h.idle();
}, 120_000);
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const run = (line: string[]) => cli(h, line);

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

test('export: every source by default, one source with --source, and an incremental run from the manifest', async () => {
  const all = join(dir, 'all');
  expect((await run(['export', '--out', all])).code).toBe(0);
  expect(
    lines(join(all, 'Patient.ndjson'))
      .map((p) => p.id)
      .sort(),
  ).toEqual(['hospa.p1', 'hospb.p1']);
  const manifest = JSON.parse(readFileSync(join(all, 'manifest.json'), 'utf8'));

  const b = join(dir, 'b');
  await run(['export', '--out', b, '--source', 'hospb', '--type', 'Patient,MedicationAdministration']);
  expect(readdirSync(b).sort()).toEqual([
    'MedicationAdministration.ndjson',
    'Patient.ndjson',
    'manifest.json',
  ]);
  expect(lines(join(b, 'Patient.ndjson')).map((p) => p.id)).toEqual(['hospb.p1']);

  await post(h, TOKENS.hospB, patientBundle('p2', 1));
  await h.idle();
  const inc = join(dir, 'inc');
  await run(['export', '--out', inc, '--since', manifest.transactionTime]);
  expect(lines(join(inc, 'Patient.ndjson')).map((p) => p.id)).toEqual(['hospb.p2']);
});

test('export refuses a non-empty directory and unknown options', async () => {
  const notEmpty = await run(['export', '--out', join(dir, 'all')]);
  expect(notEmpty).toMatchObject({ code: 64, connected: false });
  expect(notEmpty.err[0]).toContain('is not empty');
  const typo = await run(['export', '--out', join(dir, 'x'), '--sinse', '2026']);
  expect(typo).toMatchObject({ code: 64, connected: false });
  expect(typo.err[0]).toContain("'--sinse'");
  const badType = await run(['export', '--out', join(dir, 'x'), '--type', 'Pateint']);
  expect(badType).toMatchObject({ code: 64, connected: false });
  const unknownSource = await run(['export', '--out', join(dir, 'x'), '--source', 'nosuch']);
  expect(unknownSource.code).toBe(1);
  expect(unknownSource.err[0]).toContain('no patient of source "nosuch"');
  expect(existsSync(join(dir, 'x'))).toBe(false);
});

test('registry-export writes the CSV table', async () => {
  const file = join(dir, 'courses.csv');
  const { code, out } = await run([
    'registry-export',
    '--table',
    'courses',
    '--out',
    file,
    '--source',
    'hospb',
  ]);
  expect(code).toBe(0);
  const rows = readFileSync(file, 'utf8')
    .split('\r\n')
    .filter((l) => l !== '');
  expect(rows[0].startsWith('table,patient,courseId')).toBe(true);
  const courses = [
    ...(await h.rt.store.currentOutputs('hospb.p1')).values(),
    ...(await h.rt.store.currentOutputs('hospb.p2')).values(),
  ].filter((o) => o.resource.resourceType === 'MedicationStatement');
  expect(rows.length - 1).toBe(courses.length);
  expect(out[out.length - 1]).toContain(`${courses.length} courses rows`);
  const bad = await run(['registry-export', '--table', 'cycles', '--out', file]);
  expect(bad).toMatchObject({ code: 64, connected: false });
  expect(bad.err[0]).toContain('--table must be one of courses, flags');
});
