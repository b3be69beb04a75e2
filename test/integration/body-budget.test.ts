/**
 * The API's bound on the request bodies it holds at once (src/api/body-budget.ts), on a real API
 * whose budget (1 kB) is smaller than any bundle here, so each body is held alone. A body is held
 * from before it is read to its answer: a client that has sent half a body holds the budget, the
 * next body waits unread (the next in line for as long as it takes), one further back is answered
 * 503 after BODY_BUDGET_WAIT_MS with nothing accepted, a client that leaves gives up its place, and
 * requests without a body (or without a valid token) never wait.
 */
import { connect, type Socket } from 'node:net';
import { gaugeValue, startHarness, TOKENS, type Harness } from '../helpers/harness';
import { seedBundles } from '../helpers/synthetic';
import { waitFor } from '../helpers/processes';

const [first, second, third] = seedBundles(3, 'bbudget');

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bbudget', { config: { bodyBudgetBytes: 1000, bodyBudgetWaitMs: 300 } });
}, 60_000);
afterAll(() => h.close());

const gauge = (name: string) => gaugeValue(h.rt, name);
const HELD = 'bitebridge_api_body_bytes_held';
const WAITING = 'bitebridge_api_bodies_waiting';
/** Until a gauge's value passes `holds`. */
const until = (what: string, name: string, holds: (v: number) => boolean) =>
  waitFor(what, async () => holds(await gauge(name)), 30_000);

/** A POST /fhir over its own connection whose body is sent in two parts: headers and `sent` bytes now. */
function partialPost(body: string, sent: number, token = TOKENS.hospA) {
  const socket: Socket = connect(Number(new URL(h.base).port), '127.0.0.1');
  const bytes = Buffer.from(body);
  socket.write(
    `POST /fhir HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/fhir+json\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, sent));
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const answer = new Promise<{ status: number; text: string }>((resolve) => {
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      resolve({ status: Number(text.split(' ')[1] ?? 0), text });
    });
  });
  socket.on('error', () => undefined); // a refused or reset connection shows as status 0
  return {
    bytes: bytes.length,
    finish: () => socket.write(bytes.subarray(sent)),
    leave: () => socket.destroy(),
    answer,
  };
}

const post = (bundle: unknown, token = TOKENS.hospA) => h.request('POST', '/fhir', { token, body: bundle });

test('bodies beyond the budget wait unread; the next in line waits for as long as it takes, one further back is answered 503', async () => {
  const held = partialPost(JSON.stringify(first), 100);
  // Larger than the whole budget, it is held alone (nothing else was held).
  await until('the first body to be held', HELD, (v) => v > 0);
  expect(await gauge(HELD)).toBe(held.bytes);

  const next = post(second);
  await until('the second body to wait', WAITING, (v) => v === 1);
  // Requests without a body do not wait, nor does one refused before its body (no token).
  expect((await h.request('GET', '/healthz')).status).toBe(200);
  expect((await h.request('GET', '/fhir/metadata')).status).toBe(200);
  const anonymous = await h.request('POST', '/fhir', { body: third });
  expect(anonymous.status).toBe(401);

  // Behind the next in line: answered 503 after BODY_BUDGET_WAIT_MS, its body never read.
  const refused = await post(third);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  expect(refused.body.resourceType).toBe('OperationOutcome');
  expect(refused.body.issue[0].code).toBe('transient');
  expect(refused.body.issue[0].diagnostics).toContain('BODY_BUDGET_BYTES');
  expect(refused.body.issue[0].diagnostics).toContain('nothing was accepted');
  // The next in line did not give up (the 503 shows the wait had passed).
  expect(await gauge(WAITING)).toBe(1);

  held.finish();
  const [firstAnswer, nextAnswer] = await Promise.all([held.answer, next]);
  expect(firstAnswer.status).toBe(200);
  expect(nextAnswer.status).toBe(200);
  expect(nextAnswer.body.type).toBe('transaction-response');
  // Nothing of the refused bundle was accepted: its patient is unknown.
  const patient = third.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!;
  const read = await h.request('GET', `/fhir/Patient/${patient.id}`, { token: TOKENS.hospA });
  expect(read.status).toBe(404);
  await until('the budget to be free', HELD, (v) => v === 0);
  expect(await gauge(WAITING)).toBe(0);
}, 120_000);

test('a client that leaves while it waits gives up its place; one that leaves mid-body frees the budget', async () => {
  const held = partialPost(JSON.stringify(first), 100);
  await until('the first body to be held', HELD, (v) => v > 0);
  const waiting = partialPost(JSON.stringify(second), 0);
  await until('the second body to wait', WAITING, (v) => v === 1);
  waiting.leave();
  await until('the waiter to leave the line', WAITING, (v) => v === 0);
  expect(await gauge(HELD)).toBe(held.bytes);
  held.leave();
  await until('the budget to be free', HELD, (v) => v === 0);
  // And the API takes the next body at once.
  expect((await post(third)).status).toBe(200);
}, 120_000);
