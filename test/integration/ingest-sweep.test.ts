/**
 * The ingest sweep and dead letters, against real Redis and BullMQ: a payload recorded without a job
 * (the API died between its two writes) is enqueued and processed; a resource whose mapping throws is
 * parked on its own while the rest of its payload is processed, then replayed once mapping works.
 */
import { sweepOnce } from '../../src/queue/sweep';
import { processAccept, type IngestDeps } from '../../src/queue/processors/ingest';
import { startHarness, TOKENS, transaction, type Harness } from '../helpers/harness';
import { waitFor } from '../helpers/processes';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sweep', { workers: false });
}, 60_000);
afterAll(async () => {
  await h.close();
});

function deps(map: IngestDeps['map']): IngestDeps {
  const rt = h.rt;
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

  // not due yet: left alone; once due and fixed: mapped and removed
  expect((await sweepOnce(deps(map))).replayed).toBe(0);
  broken = false;
  const res = await sweepOnce(deps(map), Date.now() + 60_000);
  expect(res.replayed).toBe(1);
  await waitFor('the letter to be resolved', async () => (await h.rt.deadLetters.count()) === 0, 10_000);
  const head = await h.rt.store.getSources([{ key: 'Patient/hospa.sw-bad', patient: 'hospa.sw-bad' }]);
  expect(head[0]?.versionId).toBe('1');
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
