/**
 * The apply script writes headers and its answer as JSON text by hand (apply-script.ts JSON_TEXT), not
 * by cjson.encode: it must decode to exactly what cjson's would, whatever the strings and numbers.
 */
import { Redis } from 'ioredis';
import { JSON_TEXT } from '../../src/store/apply-script';
import { TEST_REDIS_URL } from '../helpers/redis';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(() => redis.quit());

const NOW = 1_764_806_400_123;
/** Both encodings of `value` (a header or an answer row), by a script that runs JSON_TEXT. */
async function encodings(kind: 'headerText' | 'rowText', value: unknown): Promise<[unknown, unknown]> {
  const lua = `local now = tonumber(ARGV[2])\n${JSON_TEXT}\nlocal v = cjson.decode(ARGV[1])\nreturn {${kind}(v), cjson.encode(v)}`;
  const [ours, theirs] = (await redis.eval(lua, 0, JSON.stringify(value), String(NOW))) as [string, string];
  return [JSON.parse(ours), JSON.parse(theirs)];
}

const awkward = [
  '',
  'plain',
  'a "quoted" \\ back\\slash',
  'tab\tnew\nline\r',
  '\u0001\u001f',
  'Zoë 血液 🩸',
  '</script>',
];

test.each([
  { v: 1, lu: NOW, fp: 'ab12' },
  { v: 7, lu: NOW - 86_400_000, fp: 'ff', iv: 7 },
  { v: 2, lu: NOW, fp: 'x', cv: '3', clu: 1_700_000_000_000 },
  { v: 3, lu: NOW, fp: 'x', cv: 'v-1.a', icv: 1, clu: -315_619_200_000, iclu: 1, iv: 2 },
  { v: 123_456, lu: 99_999_999_999_999, fp: 'x', clu: 0 },
  ...awkward.map((text) => ({ v: 4, lu: NOW, fp: text, cv: text, it: `${text}\n${text}` })),
])('header %j: the same JSON as cjson', async (header) => {
  const [ours, theirs] = await encodings('headerText', header);
  expect(ours).toEqual(theirs);
  expect(ours).toEqual(header);
});

test.each([
  ['created', 1, NOW, 1, 0, ''],
  ['unchanged', 12, NOW - 5, 0, 1, ''],
  ['updated', 2, NOW, 1, 0, '', 1],
  ['updated', 3, NOW, 0, 0, '', 0],
  ['older', 5, 1_600_000_000_000, 1, 1, 'v"7'],
  ['exists', 0, 0, 0, 0, 'Patient/a.b'],
  ...awkward.map((text) => ['precondition', 0, 0, 0, 0, text]),
])('answer row %j: the same JSON as cjson', async (...row) => {
  const [ours, theirs] = await encodings('rowText', row);
  expect(ours).toEqual(theirs);
  expect(ours).toEqual(row);
});
