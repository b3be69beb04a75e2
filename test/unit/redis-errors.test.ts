/** Which Redis failures are answered 503 "nothing was accepted" (src/redis.ts, api/fhir-json.ts), and which stay 500. */
import { ReplyError } from 'ioredis';
import { toFhirError } from '../../src/api/fhir-json';
import { isRedisFull, isRedisUnavailable } from '../../src/redis';

const reply = (message: string) => new ReplyError(message);

test.each([
  ['connection closed', new Error('Connection is closed.')],
  ['connection refused', new Error('connect ECONNREFUSED 127.0.0.1:6379')],
  ['a write to a closed socket', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
  ['a connect that timed out', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
  ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ['loading after a restart', reply('LOADING Redis is loading the dataset in memory')],
  [
    'a busy script',
    reply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.'),
  ],
])('%s: unavailable, 503', (_what, err) => {
  expect(isRedisUnavailable(err)).toBe(true);
  expect(toFhirError(err).status).toBe(503);
  expect(toFhirError(err).outcome.issue[0].diagnostics).toMatch(/nothing was accepted/);
});

test('a write refused at maxmemory, alone or discarding a MULTI: full, 503', () => {
  const oom = reply("OOM command not allowed when used memory > 'maxmemory'.");
  const aborted = Object.assign(reply('EXECABORT Transaction discarded because of previous errors.'), {
    previousErrors: [oom],
  });
  for (const err of [oom, aborted]) {
    expect(isRedisFull(err)).toBe(true);
    expect(toFhirError(err)).toMatchObject({ status: 503 });
    expect(toFhirError(err).outcome.issue[0].diagnostics).toMatch(/Storage is full.*nothing was accepted/);
  }
});

test('other Redis errors are bugs, not outages: 500', () => {
  for (const err of [
    reply('ERR wrong number of arguments'),
    reply('WRONGTYPE Operation against a key'),
    reply('NOSCRIPT No matching script'),
    Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }),
  ]) {
    expect(isRedisUnavailable(err)).toBe(false);
    expect(isRedisFull(err)).toBe(false);
    expect(toFhirError(err).status).toBe(500);
  }
});
