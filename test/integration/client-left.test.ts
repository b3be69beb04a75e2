/**
 * A client that closes its connection while the API reads its body: nobody gets an answer, nothing is
 * accepted, and the API logs it as what it is (info, "client closed the connection before the answer"),
 * not as a storage failure (the read fails with ECONNRESET, which once read as Redis being down).
 */
import { Writable } from 'node:stream';
import { connect } from 'node:net';
import { createLogger } from '../../src/logger';
import { gaugeValue, startHarness, TOKENS, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';
import { seedBundles } from '../helpers/synthetic';

const lines: Array<{ level: number; msg: string }> = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness('client-left', { workers: false, log: createLogger('info', 'bitebridge', capture) });
}, 60_000);
afterAll(() => h.close());

test('a client that leaves mid-body is logged at info as a client that left, with no storage warning', async () => {
  const [bundle] = seedBundles(1, 'left');
  const bytes = Buffer.from(JSON.stringify(bundle));
  const socket = connect(Number(new URL(h.base).port), '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    `POST /fhir HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKENS.hospA}\r\n` +
      `Content-Type: application/fhir+json\r\nContent-Length: ${bytes.length}\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  // Half the body is in: the API is reading it when the client goes.
  await waitFor(
    'the API to start reading the body',
    async () => (await gaugeValue(h.rt, 'bitebridge_api_body_bytes_held')) > 0,
    30_000,
  );
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();

  await waitFor(
    'the client-left log line',
    async () => lines.some((l) => l.msg === 'client closed the connection before the answer'),
    30_000,
  );
  const left = lines.find((l) => l.msg === 'client closed the connection before the answer')!;
  expect(left.level).toBe(30);
  expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  expect(lines.some((l) => /Storage is temporarily unavailable/.test(l.msg))).toBe(false);
  // Nothing of it was accepted: no payload is pending.
  expect(await h.rt.payloads.pendingCount()).toBe(0);
}, 60_000);
