/**
 * Hostile clients against the real API (real HTTP on loopback, real Redis on its own prefix): entry,
 * array, string and nesting bombs, slow headers and bodies on raw sockets, over-long URLs. Each case
 * asserts the status and the OperationOutcome, and that the process still answers /healthz after.
 * No wall-clock assertions: a slow-client case that is never timed out fails by the test timeout.
 */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger';
import { createRuntime, startApi, stopRuntime, type Runtime } from '../../src/runtime';
import { testTokens, TOKENS } from '../helpers/harness';
import { WORKERS } from '../../workers';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let rt: Runtime;
let base: string;
let port: number;
const prefix = uniquePrefix('adversarial');

beforeAll(async () => {
  rt = await createRuntime(
    {
      keyPrefix: prefix,
      port: 0,
      redisUrl: TEST_REDIS_URL,
      redisEmbedded: 'never',
      maxBundleEntries: 50,
      maxArrayLength: 200,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      rejectsPerRequest: 5,
      // Back-pressure (503 while the event loop lags) would answer the cases after a bomb; off here.
      maxEventLoopDelayMs: 0,
      // sync answers wait for the worker however loaded the machine is (no speed in tests)
      syncWaitMs: 300_000,
    },
    createLogger('info', 'adversarial-test', sink),
  );
  const app = await startApi(rt, { registry: testTokens(), origin: 'test' });
  // Validation and storage run in the ingest worker: the batch case needs one to answer.
  WORKERS.ingest?.(rt);
  const addr = app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  base = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  await stopRuntime(rt);
  const r = new Redis(TEST_REDIS_URL);
  await deletePrefix(r, prefix);
  await r.quit();
});

async function send(method: string, path: string, body?: string, token = TOKENS.hospA) {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(text) };
}

function expectOutcome(
  res: { status: number; type: string; body: any },
  status: number,
  code: string,
  diagnostics?: RegExp,
) {
  expect(res.status).toBe(status);
  expect(res.type).toContain('application/fhir+json');
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0]).toMatchObject({ severity: 'error', code });
  if (diagnostics) expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
}

async function expectHealthy() {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
}

/** A raw HTTP exchange: writes `head`, then trickles `drip` one byte per interval; resolves with all bytes read. */
function rawExchange(head: string, drip = '', everyMs = 100): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (got += d.toString('utf8')));
    socket.on('error', () => undefined); // the server closes on us; what it sent is what counts
    socket.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
    socket.on('connect', () => {
      socket.write(head);
      if (everyMs <= 0) return;
      let i = 0;
      timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(drip[i % Math.max(drip.length, 1)] ?? ' ');
        i++;
      }, everyMs);
    });
    socket.setTimeout(60_000, () => reject(new Error('server never answered the slow client')));
  });
}

function parseRaw(raw: string) {
  const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
    body: JSON.parse(body),
  };
}

const batch = (entries: string) => `{"resourceType":"Bundle","type":"batch","entry":[${entries}]}`;

describe('size bombs: 413 naming the limit', () => {
  it('one entry over MAX_BUNDLE_ENTRIES', async () => {
    const entries = Array.from(
      { length: 51 },
      (_, i) => `{"resource":{"resourceType":"Basic","id":"b${i}"}}`,
    );
    const res = await send('POST', '/fhir', batch(entries.join(',')));
    expectOutcome(res, 413, 'too-costly', /MAX_BUNDLE_ENTRIES=50/);
    expect(res.body.issue[0].expression).toEqual(['Bundle.entry']);
    await expectHealthy();
  });

  it('a million tiny entries (about 3 MB)', async () => {
    const res = await send('POST', '/fhir', batch(new Array(1_000_000).fill('{}').join(',')));
    expectOutcome(res, 413, 'too-costly', /entries in a Bundle/);
    await expectHealthy();
  }, 60_000);

  it('a Patient with a million given names, on ingest and on $validate', async () => {
    const given = JSON.stringify(new Array(1_000_000).fill('a'));
    const patient = `{"resourceType":"Patient","id":"p1","name":[{"family":"X","given":${given}}]}`;
    for (const path of ['/fhir/Patient/p1', '/fhir/Patient/$validate']) {
      const res = await send(path.endsWith('$validate') ? 'POST' : 'PUT', path, patient);
      expectOutcome(res, 413, 'too-costly', /MAX_ARRAY_LENGTH=200/);
      expect(res.body.issue[0].expression).toEqual(['Patient.name[0].given']);
    }
    await expectHealthy();
  }, 60_000);

  it('$validate with a 1 MB MRD valueString', async () => {
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Minimal residual disease' },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2026-01-01',
      valueString: `<${' '.repeat(1024 * 1024)}0.01%`,
    };
    const res = await send('POST', '/fhir/Observation/$validate', JSON.stringify(obs));
    expectOutcome(res, 413, 'too-costly', /MAX_STRING_LENGTH=262144/);
    expect(res.body.issue[0].expression).toEqual(['Observation.valueString']);
    await expectHealthy();
  }, 60_000);

  it('an object with a million members', async () => {
    const members = Array.from({ length: 300 }, (_, i) => `"k${i}":1`).join(',');
    const res = await send('POST', '/fhir/Basic/$validate', `{"resourceType":"Basic",${members}}`);
    expectOutcome(res, 413, 'too-costly', /members in an object/);
    await expectHealthy();
  });

  it('nesting 10,000 arrays deep', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await send('POST', '/fhir', `{"resourceType":"Bundle","type":"batch","x":${deep}}`);
    expectOutcome(res, 413, 'too-costly', /JSON_DEPTH_LIMIT=64/);
    await expectHealthy();
  });
});

describe('slow and malformed clients', () => {
  it('a body trickled a byte at a time is cut off with 408', async () => {
    const head =
      `POST /fhir/Patient/$validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.hospA}\r\n` +
      'Content-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n{"resourceType":"Patient"';
    const res = parseRaw(await rawExchange(head, ' '));
    expectOutcome(res, 408, 'timeout', /REQUEST_TIMEOUT_MS/);
    await expectHealthy();
  }, 60_000);

  it('headers trickled a byte at a time are cut off with 408', async () => {
    const res = parseRaw(await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'));
    expectOutcome(res, 408, 'timeout');
    await expectHealthy();
  }, 60_000);

  it('while 40 clients trickle bodies, /healthz and a search still answer', async () => {
    const head =
      `POST /fhir HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.hospA}\r\n` +
      'Content-Type: application/fhir+json\r\nContent-Length: 1000000\r\n\r\n{';
    const slow = Array.from({ length: 40 }, () => rawExchange(head, ' ', 200));
    await expectHealthy();
    const search = await fetch(`${base}/fhir/Patient?_count=1`, {
      headers: { authorization: `Bearer ${TOKENS.hospA}` },
    });
    expect(search.status).toBe(200);
    const answers = (await Promise.all(slow)).map(parseRaw);
    expect(answers.every((a) => a.status === 408 && a.body.resourceType === 'OperationOutcome')).toBe(true);
    await expectHealthy();
  }, 120_000);

  it('an over-long URL answers 431 with an OperationOutcome', async () => {
    const head = `GET /fhir/Patient?name=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.hospA}\r\n\r\n`;
    const res = parseRaw(await rawExchange(head, '', 0));
    expectOutcome(res, 431, 'too-costly', /MAX_HEADER_BYTES/);
    await expectHealthy();
  });

  it('a malformed request line answers 400 with an OperationOutcome', async () => {
    const res = parseRaw(await rawExchange('BLAH\x01 / HTTP/1.1\r\n\r\n'));
    expectOutcome(res, 400, 'structure');
    await expectHealthy();
  });
});

describe('logs and the reject log', () => {
  it('logs name the route template and ids, never the query string', async () => {
    logLines.length = 0;
    const res = await fetch(`${base}/fhir/Patient?name=Zyxwvu&birthdate=1999-09-09`, {
      headers: { authorization: `Bearer ${TOKENS.hospA}` },
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const all = logLines.join('\n');
    expect(all).not.toMatch(/Zyxwvu|1999-09-09|birthdate/);
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed');
    expect(line).toMatchObject({ method: 'GET', route: '/fhir/:type', status: 200 });
    expect(line.reqId).toBeDefined();
  });

  it('a batch of many invalid entries keeps at most REJECTS_PER_REQUEST records, the rest counted', async () => {
    const entries = Array.from(
      { length: 30 },
      (_, i) =>
        `{"resource":{"resourceType":"Patient","id":"bad${i}","gender":"nope"},"request":{"method":"PUT","url":"Patient/bad${i}"}}`,
    );
    const res = await send('POST', '/fhir', batch(entries.join(',')));
    expect(res.status).toBe(200);
    const rows = await rt.rejects.list(100, 'hospa');
    expect(rows).toHaveLength(5);
    expect(rows[0].notRecorded).toBe(25);
    await expectHealthy();
  });
});
