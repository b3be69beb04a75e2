/**
 * The ingest sweep and dead letters, against real Redis and BullMQ: a payload recorded without a job
 * (the API died between its two writes) is enqueued and processed; a resource whose mapping throws is
 * parked on its own while the rest of its payload is processed, then replayed once mapping works.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import { UnrecoverableError, Worker } from 'bullmq';
import { sweepOnce } from '../../src/queue/sweep';
import { MAP_JOB_ID_PREFIX } from '../../src/queue/map-items';
import { processAccept, processMap, type IngestDeps } from '../../src/queue/processors/ingest';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sweep', { workers: false });
}, 60_000);
afterAll(async () => {
  await h.close();
});

function deps(map: IngestDeps['map'], rt = h.rt): IngestDeps {
  return {
    store: rt.store,
    payloads: rt.payloads,
    deadLetters: rt.deadLetters,
    queues: rt.queues,
    validate: rt.clinical.validate,
    map,
    log: rt.log,
    metrics: rt.metrics,
    statusTtlSeconds: 600,
  };
}

/** A body weight (mapped to an event) of `subject`, as a hospital sends it. */
const weight = (id: string, subject: string, status: Observation['status'] = 'final'): Resource => ({
  resourceType: 'Observation',
  id,
  status,
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: `Patient/${subject}` },
  effectiveDateTime: '2024-01-01',
  valueQuantity: { value: 62, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});

/** Records a transaction of `resources` as the API does, as payload `id` of hospa. */
const recordTransaction = (id: string, resources: Resource[]) =>
  h.rt.payloads.record({
    id,
    source: 'hospa',
    body: JSON.stringify(transaction(resources)),
    receivedAt: Date.now(),
  });

test('a recorded payload whose job was never enqueued is enqueued by the sweep', async () => {
  const id = 'i-lost-1';
  const body = JSON.stringify(transaction([{ resourceType: 'Patient', id: 'sw1' }]));
  await h.rt.payloads.record({ id, source: 'hospa', body, receivedAt: Date.now() - 10_000 });
  const res = await sweepOnce(deps(h.rt.clinical.map));
  expect(res.enqueued).toBe(1);
  expect(await (await h.rt.queues.get('ingest').getJob(id))!.getState()).toBe('waiting');
  // a second sweep does not enqueue it twice
  expect((await sweepOnce(deps(h.rt.clinical.map))).enqueued).toBe(0);
  const status = await h.request('GET', `/fhir/_async/${id}`, { token: TOKENS.hospA });
  expect(status.status).toBe(202);
  expect(status.headers.get('x-progress')).toBe('waiting');
});

test('a resource whose mapping throws is dead-lettered alone and replayed when mapping works', async () => {
  let broken = true;
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    if (broken && resource.id === 'hospa.sw-bad') throw new TypeError('mapper bug');
    return h.rt.clinical.map(resource, source, resolve);
  };
  const id = 'i-dead-1';
  const body = JSON.stringify(
    transaction([
      { resourceType: 'Patient', id: 'sw2' },
      { resourceType: 'Patient', id: 'sw-bad' },
    ]),
  );
  await h.rt.payloads.record({ id, source: 'hospa', body, receivedAt: Date.now() });
  const job = { id, data: { payloadId: id } } as any;
  const ret = await processAccept(job, deps(map));
  expect(ret).toMatchObject({ status: 200, entries: 2, deadLettered: 1 });
  const letters = await h.rt.deadLetters.list();
  expect(letters).toEqual([
    expect.objectContaining({ key: 'Patient/hospa.sw-bad', attempts: 1, error: 'TypeError' }),
  ]);
  expect(await h.rt.payloads.isPending(id)).toBe(false);
  // The sender's answer: both stored (201), and the parked one says its events are not there yet.
  const status = await h.request('GET', `/fhir/_async/${id}`, { token: TOKENS.hospA });
  expect(status.status).toBe(200);
  const [ok, parked] = status.body.entry.map((e: any) => e.response);
  expect([ok.status, parked.status]).toEqual(['201 Created', '201 Created']);
  expect(ok.outcome).toBeUndefined();
  expect(parked.outcome.issue).toEqual([
    expect.objectContaining({
      severity: 'warning',
      code: 'transient',
      diagnostics: expect.stringMatching(/dead-lettered/),
    }),
  ]);

  // not due yet: left alone; once due and fixed: mapped and removed
  expect((await sweepOnce(deps(map))).replayed).toBe(0);
  broken = false;
  const res = await sweepOnce(deps(map), Date.now() + 60_000);
  expect(res.replayed).toBe(1);
  await waitFor('the letter to be resolved', async () => (await h.rt.deadLetters.count()) === 0, 10_000);
  const head = await h.rt.store.getSources([{ key: 'Patient/hospa.sw-bad', patient: 'hospa.sw-bad' }]);
  expect(head[0]?.versionId).toBe('1');
});

test('due letters are replayed together: one mapping call per source, each letter resolved on its own', async () => {
  const bad = new Set(['hospa.sw-many-1', 'hospa.sw-many-2', 'hospa.sw-many-3']);
  let broken = new Set(bad);
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    if (broken.has(resource.id ?? '')) throw new TypeError('mapper bug');
    return h.rt.clinical.map(resource, source, resolve);
  };
  const id = 'i-dead-many';
  await recordTransaction(
    id,
    [...bad].map((pid) => ({ resourceType: 'Patient', id: pid.slice('hospa.'.length) })),
  );
  const ret = await processAccept({ id, data: { payloadId: id } } as any, deps(map));
  expect(ret).toMatchObject({ status: 200, deadLettered: 3 });
  // One still fails: it is parked again with its next backoff, the other two are resolved.
  broken = new Set(['hospa.sw-many-2']);
  const reads = jest.spyOn(h.rt.store, 'getSources');
  try {
    const res = await sweepOnce(deps(map), Date.now() + 60_000);
    expect(res.replayed).toBeGreaterThanOrEqual(3); // an earlier test's letter may be due as well
    // The letters' versions in one read (and the referenced resources in one more): not one per letter.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
  } finally {
    reads.mockRestore();
  }
  const left = await h.rt.deadLetters.list();
  expect(left.filter((l) => bad.has(l.key.slice('Patient/'.length)))).toEqual([
    expect.objectContaining({ key: 'Patient/hospa.sw-many-2', attempts: 2 }),
  ]);
});

test('a letter whose replay fails outside its mapper is parked again alone; the others of its page are resolved', async () => {
  const bad = ['hospa.sw-odd-1', 'hospa.sw-odd-2', 'hospa.sw-odd-3'];
  let broken = new Set(bad);
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    const id = resource.id ?? '';
    if (broken.has(id)) throw new TypeError('mapper bug');
    // A mapper answer the batch cannot use (no events list): it fails the batch, not the mapper call.
    if (id === 'hospa.sw-odd-2') return { status: 'mapped' } as unknown as ReturnType<IngestDeps['map']>;
    return h.rt.clinical.map(resource, source, resolve);
  };
  const id = 'i-dead-odd';
  await recordTransaction(
    id,
    bad.map((pid) => ({ resourceType: 'Patient', id: pid.slice('hospa.'.length) })),
  );
  expect(await processAccept({ id, data: { payloadId: id } } as any, deps(map))).toMatchObject({
    deadLettered: 3,
  });
  broken = new Set();
  const before = Date.now();
  const res = await sweepOnce(deps(map), Date.now() + 60_000);
  expect(res.replayed).toBeGreaterThanOrEqual(3); // an earlier test's letter may be due as well
  const left = (await h.rt.deadLetters.list()).filter((l) => bad.includes(l.key.slice('Patient/'.length)));
  expect(left).toEqual([
    expect.objectContaining({ key: 'Patient/hospa.sw-odd-2', attempts: 2, error: 'TypeError' }),
  ]);
  // Its next replay waits for its second backoff (10 s from when it was parked again, after `before`).
  expect(left[0].dueAt).toBeGreaterThanOrEqual(before + 10_000);
});

test('parking a letter again keeps a newer version parked meanwhile and does not bring back a resolved one', async () => {
  const item = { source: 'hospa', key: 'Patient/hospa.sw-repark', patient: 'hospa.sw-repark' };
  const v1 = await h.rt.deadLetters.add({ ...item, versionId: '1' }, 'TypeError');
  expect(await h.rt.deadLetters.repark(v1, 'RangeError')).toBe(true);
  expect(await h.rt.deadLetters.get(item.key)).toMatchObject({
    versionId: '1',
    attempts: 2,
    error: 'RangeError',
  });
  // A second re-park from the same stale read changes nothing (another sweeper got there first).
  expect(await h.rt.deadLetters.repark(v1, 'RangeError')).toBe(false);
  // Version 2 was parked while version 1's replay failed: version 1's re-park leaves it.
  const v2 = await h.rt.deadLetters.add({ ...item, versionId: '2' }, 'SyntaxError');
  expect(await h.rt.deadLetters.repark({ ...v1, attempts: 2 }, 'RangeError')).toBe(false);
  expect(await h.rt.deadLetters.get(item.key)).toMatchObject({
    versionId: '2',
    attempts: 1,
    error: 'SyntaxError',
  });
  // Resolved meanwhile: not brought back.
  await h.rt.deadLetters.resolve(v2);
  expect(await h.rt.deadLetters.repark(v2, 'RangeError')).toBe(false);
  expect(await h.rt.deadLetters.get(item.key)).toBeUndefined();
});

test("a failed map job is retried by the sweep once its backoff has passed; a rejected payload's accept job is not", async () => {
  // Own prefix: the queue must hold only these two jobs when the failing worker runs.
  const own = await startHarness('sweep-map', { workers: false });
  try {
    const ingest = own.rt.queues.get('ingest');
    const mapId = `${MAP_JOB_ID_PREFIX}i-changed-0`;
    await ingest.add('map', { source: 'hospa', items: [] }, { jobId: mapId, attempts: 1 });
    await ingest.add('accept', { payloadId: 'i-rejected' }, { jobId: 'i-rejected', attempts: 1 });
    const failing = new Worker(
      'ingest',
      async () => {
        throw new UnrecoverableError('Redis went away');
      },
      { connection: own.rt.redis.connect({ maxRetriesPerRequest: null }), prefix: own.rt.queues.prefix },
    );
    await waitFor('both jobs to fail', async () => (await ingest.getFailedCount()) === 2, 60_000);
    await failing.close();
    const d = deps(own.rt.clinical.map, own.rt);
    const failedAt = (await ingest.getJob(mapId))!.finishedOn!;
    expect((await sweepOnce(d, failedAt + 1)).retried).toBe(0); // its backoff has not passed yet
    expect((await sweepOnce(d, failedAt + 3_600_000)).retried).toBe(1);
    expect(await (await ingest.getJob(mapId))!.getState()).toBe('waiting');
    expect((await ingest.getJob(mapId))!.data).toMatchObject({ replays: 1 });
    expect(await (await ingest.getJob('i-rejected'))!.getState()).toBe('failed');
  } finally {
    await own.close();
  }
});

test('a failed map job behind many rejected payloads is found: each pass reads one older window in turn', async () => {
  const own = await startHarness('sweep-window', { workers: false });
  try {
    const ingest = own.rt.queues.get('ingest');
    const mapId = `${MAP_JOB_ID_PREFIX}i-changed-old`;
    const fail = async (n: number) => {
      const failing = new Worker(
        'ingest',
        async () => {
          throw new UnrecoverableError('rejected');
        },
        { connection: own.rt.redis.connect({ maxRetriesPerRequest: null }), prefix: own.rt.queues.prefix },
      );
      await waitFor(`${n} failed jobs`, async () => (await ingest.getFailedCount()) === n, 60_000);
      await failing.close();
    };
    await ingest.add('map', { source: 'hospa', items: [] }, { jobId: mapId, attempts: 1 });
    await fail(1);
    // Six rejected payloads fail after it: newest first, the map job is the seventh failed id.
    for (let i = 0; i < 6; i++)
      await ingest.add('accept', { payloadId: `i-rej-${i}` }, { jobId: `i-rej-${i}`, attempts: 1 });
    await fail(7);
    const d = deps(own.rt.clinical.map, own.rt);
    const later = Date.now() + 3_600_000;
    // Windows of two: the newest two every pass, then ids 2–3, 4–5, 6–7 in turn.
    const opts = { state: { olderFrom: 2 }, failedWindow: 2 };
    const passes = [];
    for (let i = 0; i < 3; i++) passes.push((await sweepOnce(d, later, 2000, opts)).retried);
    expect(passes).toEqual([0, 0, 1]);
    expect(await (await ingest.getJob(mapId))!.getState()).toBe('waiting');
    // Past the end the older window starts again from the top.
    expect(opts.state.olderFrom).toBe(2);
  } finally {
    await own.close();
  }
});

test("a map job's last attempt failing on Redis dead-letters its readers one by one; earlier attempts retry", async () => {
  const store = Object.create(h.rt.store) as typeof h.rt.store;
  store.getSources = () => Promise.reject(new Error('Connection is closed.'));
  const items = [
    { key: 'Observation/hospa.reader-1', patient: 'hospa.reader', versionId: '3' },
    { key: 'Observation/hospa.reader-2', patient: 'hospa.reader', versionId: '1' },
  ];
  const job = (attemptsMade: number) =>
    ({ id: 'd-i-med-0', data: { source: 'hospa', items }, attemptsMade, opts: { attempts: 3 } }) as never;
  const d = { ...deps(h.rt.clinical.map), store };
  await expect(processMap(job(1), d)).rejects.toThrow('Connection is closed.');
  expect(await h.rt.deadLetters.get(items[0].key)).toBeUndefined();
  const summary = await processMap(job(2), d);
  expect(summary).toMatchObject({ deadLettered: 2, parked: items.map((i) => i.key) });
  for (const it of items) {
    expect(await h.rt.deadLetters.get(it.key)).toMatchObject({
      versionId: it.versionId,
      source: 'hospa',
      error: 'Error',
    });
  }
  for (const it of items) await h.rt.deadLetters.resolve((await h.rt.deadLetters.get(it.key))!);
});

test('a recorded payload that is not JSON fails for good with a 400 answer, not retried forever', async () => {
  const id = 'i-corrupt-1';
  await h.rt.payloads.record({ id, source: 'hospa', body: '{"resourceType": "Bund', receivedAt: Date.now() });
  const job = { id, data: { payloadId: id } } as any;
  await expect(processAccept(job, deps(h.rt.clinical.map))).rejects.toThrow(/rejected with 400/);
  expect(await h.rt.payloads.isPending(id)).toBe(false);
  const status = await h.request('GET', `/fhir/_async/${id}`, { token: TOKENS.hospA });
  expect(status.status).toBe(400);
  expect(status.body.issue[0]).toMatchObject({ severity: 'error', code: 'structure' });
});

test('resources are mapped once, before storing: no events → stored as ingested; events → cite the stored version', async () => {
  const mapped: string[] = [];
  const map: IngestDeps['map'] = (resource, source, resolve) => {
    mapped.push(resource.id!);
    return h.rt.clinical.map(resource, source, resolve);
  };
  const patient = (id: string): Resource => ({ resourceType: 'Patient', id });
  const encounter = (id: string, subject: string): Resource => ({
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${subject}` },
  });
  const run = async (id: string, resources: Resource[]) => {
    await recordTransaction(id, resources);
    const ret = await processAccept({ id, data: { payloadId: id } } as any, deps(map));
    return { ret, status: (await h.rt.store.getIngestStatus(id)) as any };
  };
  const assembling = async (p: string) =>
    (await h.rt.queues.get('assemble').getJobs(['waiting', 'delayed', 'prioritized'])).filter(
      (j) => j.data.patient === p,
    ).length;

  // Only resources without events: nothing left to map, and nothing of the patient to assemble.
  const noise = await run('i-noise-1', [patient('nz1'), encounter('nz1-e', 'nz1')]);
  expect(noise.ret).toMatchObject({ status: 200, entries: 2, mapped: 0, deadLettered: 0 });
  expect(mapped.sort()).toEqual(['hospa.nz1', 'hospa.nz1-e']); // once each
  expect(noise.status.map).toMatchObject({ mapped: 0, ignored: 2, error: 0, patients: [] });
  for (const key of ['Patient/hospa.nz1', 'Encounter/hospa.nz1-e']) {
    const head = JSON.parse(
      (await h.rt.store.redis.hget(h.rt.store.keys.resHeads({ patient: 'hospa.nz1' }), key)) as string,
    );
    expect(head).toMatchObject({ v: 1, iv: 1 }); // stored as ingested: a re-send maps nothing
  }
  expect(await assembling('hospa.nz1')).toBe(0);

  // A resource with events: mapped once too; its events cite the version stored, the patient is assembled.
  mapped.length = 0;
  const clinical = await run('i-weight-1', [weight('nz1-w', 'nz1')]);
  expect(clinical.ret).toMatchObject({ status: 200, entries: 1, mapped: 1 });
  expect(mapped).toEqual(['hospa.nz1-w']);
  const events = await h.rt.store.loadEvents('hospa.nz1');
  expect(events.map((e) => e.source)).toEqual([
    { resourceType: 'Observation', id: 'hospa.nz1-w', versionId: '1' },
  ]);
  expect(await assembling('hospa.nz1')).toBe(1);

  // Updates without events: the Encounter never had events, so the patient's are unchanged and it is
  // not assembled again; the weight withdrawn removes its events, so the patient is.
  await h.rt.queues.get('assemble').drain(true);
  const moved = await run('i-noise-2', [{ ...encounter('nz1-e', 'nz1'), status: 'cancelled' } as Resource]);
  expect(moved.status.accept.entries[0].status).toMatch(/^200/);
  expect(await assembling('hospa.nz1')).toBe(0);
  const withdrawn = await run('i-weight-2', [weight('nz1-w', 'nz1', 'entered-in-error')]);
  expect(withdrawn.status.accept.entries[0].status).toMatch(/^200/);
  expect(await h.rt.store.loadEvents('hospa.nz1')).toEqual([]);
  expect(await assembling('hospa.nz1')).toBe(1);
});

test('a re-run answered from a first run that did not map before storing still maps (and retracts)', async () => {
  const obs = (status: Observation['status']) => weight('rr-w', 'rr1', status);
  const accept = async (id: string, resource: Resource) => {
    await recordTransaction(id, [resource]);
    return processAccept({ id, data: { payloadId: id } } as any, deps(h.rt.clinical.map));
  };
  await accept('i-rr-1', obs('final'));
  expect(await h.rt.store.loadEvents('hospa.rr1')).toHaveLength(1);

  // An older release's first run of payload i-rr-2 stored the retraction without the no-events flag,
  // then died before mapping; this release re-runs the payload and gets that run's cached answer.
  const retracted = {
    ...obs('entered-in-error'),
    id: 'hospa.rr-w',
    subject: { reference: 'Patient/hospa.rr1' },
  };
  const [first] = await h.rt.store.applyEntries(
    'i-rr-2',
    'tx',
    [
      {
        key: 'Observation/hospa.rr-w',
        patient: 'hospa.rr1',
        fingerprint: 'older-release',
        body: JSON.stringify(retracted),
      },
    ],
    600,
  );
  expect(first).toMatchObject({ outcome: 'updated', needsIngest: true });
  const ret = await accept('i-rr-2', obs('entered-in-error'));
  expect(ret).toMatchObject({ status: 200, entries: 1 });
  expect(await h.rt.store.loadEvents('hospa.rr1')).toEqual([]);
  const head = JSON.parse(
    (await h.rt.store.redis.hget(
      h.rt.store.keys.resHeads({ patient: 'hospa.rr1' }),
      'Observation/hospa.rr-w',
    )) as string,
  );
  expect(head).toMatchObject({ v: 2, iv: 2 });
});

test("a payload's store answer is kept while it is pending: a re-run however late assembles its patient", async () => {
  await recordTransaction('i-late-1', [weight('late-w', 'late1')]);
  await processAccept({ id: 'i-late-1', data: { payloadId: 'i-late-1' } } as any, deps(h.rt.clinical.map));
  expect(await h.rt.store.loadEvents('hospa.late1')).toHaveLength(1);
  await h.rt.queues.get('assemble').drain(true);

  // First run of the retraction: stored (its events removed in the same script), then the worker died
  // before it finished the payload, and before the assemble it queued ran (dropped here).
  const applied = h.rt.store.keys.applied('i-late-2');
  await recordTransaction('i-late-2', [weight('late-w', 'late1', 'entered-in-error')]);
  const dying = deps(h.rt.clinical.map);
  dying.payloads = Object.create(h.rt.payloads, {
    finish: { value: () => Promise.reject(new Error('worker killed')) },
  });
  await expect(
    processAccept({ id: 'i-late-2', data: { payloadId: 'i-late-2' } } as any, dying),
  ).rejects.toThrow('worker killed');
  await h.rt.queues.get('assemble').drain(true);
  expect(await h.rt.store.loadEvents('hospa.late1')).toEqual([]);
  // With a TTL it would expire (a day by default) while the payload waits for a worker; then the re-run
  // would find the version unchanged and leave the patient's courses built on the removed events.
  expect(await h.rt.store.redis.ttl(applied)).toBe(-1);

  const ret = await processAccept(
    { id: 'i-late-2', data: { payloadId: 'i-late-2' } } as any,
    deps(h.rt.clinical.map),
  );
  expect(ret).toMatchObject({ status: 200, entries: 1 });
  const jobs = await h.rt.queues.get('assemble').getJobs(['waiting', 'delayed', 'prioritized']);
  expect(jobs.filter((j) => j.data.patient === 'hospa.late1')).toHaveLength(1);
  const status = (await h.rt.store.getIngestStatus('i-late-2')) as any;
  expect(status.accept.entries[0].status).toMatch(/^200/); // the first run's answer: updated
  // Finished: the answer now expires with the status.
  const ttl = await h.rt.store.redis.ttl(applied);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(600);
});
