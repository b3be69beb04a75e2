/**
 * The apply call's request, encoded by us into one buffer (src/store/encoded-script.ts): the same
 * bytes ioredis would send, a script the server does not hold loaded by EVAL, and buffers reused
 * without stale bytes. A private redis-server: this suite flushes its script cache.
 */
import { Command, Redis } from 'ioredis';
import { EmbeddedRedis } from '../../src/ops/embedded-redis';
import { EncodedScript, encodeRequest } from '../../src/store/encoded-script';

/** What ioredis itself writes for a command of these arguments. */
const ioredisBytes = (name: string, args: string[]) =>
  Buffer.from(new Command(name, args).toWritable({}) as string, 'utf8');

test('a request is byte for byte what ioredis writes, whatever the text', () => {
  const texts = [
    '',
    'plain',
    'Zoë, naïve café', // two-byte UTF-8
    '血液', // three-byte
    'emoji 🩸 and a lone surrogate \ud800 end', // four-byte, and one encoded as U+FFFD
    'line\r\nbreak',
    'x'.repeat(70_000), // longer than any one socket chunk
  ];
  const parts = [['evalsha', 'abc', '2'], ['k1', texts[2]], texts];
  expect(encodeRequest(parts)).toEqual(ioredisBytes(parts[0][0], parts.flat().slice(1)));
  expect(encodeRequest([['ping']])).toEqual(ioredisBytes('ping', []));
});

test('a request written into a larger buffer is only its own bytes', () => {
  const big = Buffer.alloc(1000, 'z'.charCodeAt(0));
  const req = encodeRequest([['echo', 'hi']], () => big);
  expect(req.toString('latin1')).toBe('*2\r\n$4\r\necho\r\n$2\r\nhi\r\n');
});

describe('against a private Redis', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  // Answers what it was called with, so a reused buffer's leftovers would show.
  const echo = new EncodedScript("return cjson.encode({#KEYS, KEYS, ARGV, redis.call('GET', KEYS[1])})");
  const calls = async (cmd: string) => {
    const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith(`cmdstat_${cmd}:`));
    return Number(line?.split('calls=')[1]?.split(',')[0] ?? 0);
  };

  beforeAll(async () => {
    server = await EmbeddedRedis.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  test('a script the server does not hold is sent again as EVAL, then runs by EVALSHA', async () => {
    await redis.set('k:a', 'stored');
    await redis.script('FLUSH');
    const before = { evalsha: await calls('evalsha'), eval: await calls('eval') };
    expect(JSON.parse(await echo.run(redis, ['k:a'], ['x', 'ÿ']))).toEqual([
      1,
      ['k:a'],
      ['x', 'ÿ'],
      'stored',
    ]);
    expect(await calls('eval')).toBe(before.eval + 1); // after one NOSCRIPT
    expect(JSON.parse(await echo.run(redis, ['k:a'], []))).toEqual([1, ['k:a'], {}, 'stored']);
    expect(await calls('eval')).toBe(before.eval + 1);
    expect(await calls('evalsha')).toBe(before.evalsha + 2);
  });

  test('calls of every size in turn get exactly their own arguments', async () => {
    const sizes = [3000, 2, 400, 0, 3000, 1];
    const argvs = sizes.map((n, k) => Array.from({ length: n }, (_, i) => `${k}-${i}-${'v'.repeat(i % 50)}`));
    const answers = await Promise.all(argvs.map((argv) => echo.run(redis, ['k:none'], argv)));
    answers.forEach((a, k) => {
      const [nKeys, keys, args] = JSON.parse(a) as [number, string[], string[] | object];
      expect([nKeys, keys]).toEqual([1, ['k:none']]);
      expect(args).toEqual(argvs[k].length ? argvs[k] : {}); // cjson writes an empty table as {}
    });
    for (const argv of argvs)
      expect(JSON.parse(await echo.run(redis, ['k:none'], argv))[2]).toEqual(argv.length ? argv : {});
  });

  test("a script's own error is the caller's, and is not sent again as EVAL", async () => {
    const failing = new EncodedScript("return redis.error_reply('BBTEST wrong')");
    await failing.run(redis, [], []).catch(() => undefined); // loads it (NOSCRIPT, then EVAL)
    const before = await calls('eval');
    await expect(failing.run(redis, [], [])).rejects.toThrow('BBTEST wrong');
    expect(await calls('eval')).toBe(before);
  });
});
