/** The CLI's `timeline` and `cohort` commands against a real store: the same pictures as the pages. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { startHarness, TOKENS, type Harness } from '../helpers/harness';

let h: Harness;
let dir: string;
const seed = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'seeds', file), 'utf8'));
const count = (text: string, needle: string) => text.split(needle).length - 1;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bb-ui-cli-'));
  h = await startHarness('uicli');
  expect(
    (await h.request('POST', '/fhir', { token: TOKENS.hospA, body: seed('seed-002.json') })).status,
  ).toBe(200);
  expect(
    (await h.request('POST', '/fhir', { token: TOKENS.hospA, body: seed('seed-003.json') })).status,
  ).toBe(200);
  await h.idle(60_000);
}, 120_000);
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

async function run(line: string[]): Promise<{ code: number; out: string[] }> {
  const r = await cli(h, line);
  return { code: r.code, out: r.out };
}

test('timeline writes the patient SVG with a bar per cycle and a mark per flag', async () => {
  const file = join(dir, 't.svg');
  const { code, out } = await run(['timeline', 'hospa.pt-s002', '--out', file]);
  expect(code).toBe(0);
  expect(out[0]).toMatch(/3 course\(s\), 6 flag\(s\)/);
  const svg = readFileSync(file, 'utf8');
  expect(svg.startsWith('<?xml')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  const issues = (
    await h.request('GET', '/fhir/DetectedIssue?patient=hospa.pt-s002', { token: TOKENS.hospA })
  ).body;
  expect(count(svg, 'class="flag-mark')).toBe(issues.total);
  expect(count(svg, 'class="cycle-bar"')).toBe(3);
  // the local id with --source gives the same picture
  const file2 = join(dir, 't2.svg');
  expect((await run(['timeline', 'pt-s002', '--source', 'hospa', '--out', file2])).code).toBe(0);
  expect(readFileSync(file2, 'utf8')).toBe(svg);
});

test('cohort writes the standalone page with lanes linking to the timelines', async () => {
  const file = join(dir, 'c.html');
  const { code, out } = await run(['cohort', '--out', file, '--link-base', 'https://bb.example.org/']);
  expect(code).toBe(0);
  expect(out[0]).toMatch(/cohort of hospa: 2 patient\(s\), 5 course\(s\)/);
  const html = readFileSync(file, 'utf8');
  expect(html).toContain('href="https://bb.example.org/ui/patients/hospa.pt-s003"');
  expect(html).not.toContain('Sign out');
  expect(html).not.toMatch(/<script|<link|src="http/);
});

test('bad invocations are usage errors (exit 64) or clear errors (exit 1)', async () => {
  const usage = async (line: string[], message: RegExp) => {
    const r = await cli(h, line);
    expect(r.code).toBe(64);
    expect(r.connected).toBe(false);
    expect(r.err.join('\n')).toMatch(message);
  };
  await usage(['timeline', '--out', join(dir, 'x.svg')], /exactly one patient/);
  await usage(['timeline', 'hospa.pt-s002'], /--out/);
  await usage(['timeline', 'a', 'b', '--out', join(dir, 'x.svg')], /unexpected argument b/);
  await usage(['cohort', '--out', join(dir, 'x.html'), '--source', 'Bad.Source'], /source id/);
  await usage(['cohort', '--out', join(dir, 'x.html'), '--link-base', 'javascript:x'], /http\(s\) URL/);
  await usage(['cohort', '--out', join(dir, 'x.html'), '--bogus'], /unknown option/i);
  const missing = await cli(h, ['timeline', 'hospa.nobody', '--out', join(dir, 'x.svg')]);
  expect(missing.code).toBe(1);
  expect(missing.err.join('\n')).toMatch(/no course or flag/);
});
