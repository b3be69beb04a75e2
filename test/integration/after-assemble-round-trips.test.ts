/**
 * Round trips per patient, not per output: after an assemble run saves, the Provenance of all its new
 * output versions is written in one store call, the subscription notifications are enqueued in one
 * call and the destination pushes in one more, whatever their number; a re-run that finds everything
 * in place writes nothing and enqueues nothing new. Real Redis and BullMQ queue.
 */
import type { Job } from 'bullmq';
import type { Destination } from '../../src/deliver/destinations';
import { provenanceId } from '../../src/provenance/build';
import { processAssemble } from '../../src/queue/processors/assemble';
import {
  openAssembleSuite,
  type AssembleSuite,
  afterAssembleOn,
  assembleDeps,
  storeSamplePatient,
  subscribeCoursesAndFlags,
} from '../helpers/assemble-setup';

const SOURCE = 'hospa';
let s: AssembleSuite;

const destinations: Destination[] = ['reg-a', 'reg-b'].map((id) => ({
  id,
  source: SOURCE,
  baseUrl: `http://127.0.0.1:9/${id}`,
  auth: { type: 'none' },
  filter: {},
  payload: 'absolute',
  bundleSize: 50,
}));

beforeAll(async () => {
  s = await openAssembleSuite('after-assemble-trips');
  await subscribeCoursesAndFlags(s, SOURCE);
}, 60_000);
afterAll(() => s.close());

interface Calls {
  /** Entries of each store call that wrote Provenance. */
  provenanceWrites: number[];
  /** Jobs of each enqueue call, by job name. */
  enqueued: Array<Record<string, number>>;
  singleAdds: number;
}

/** Runs one assemble of the patient, recording the after-assemble step's store and queue calls. */
async function assembleRecordingCalls(patient: string): Promise<Calls> {
  const apply = jest.spyOn(s.store, 'applyEntries');
  const bulk = jest.spyOn(s.deliverQueue, 'addBulk');
  const add = jest.spyOn(s.deliverQueue, 'add');
  try {
    await processAssemble(
      { id: `a-${patient}`, data: { patient } } as Job<{ patient: string }>,
      assembleDeps(s, afterAssembleOn(s, destinations)),
    );
    return {
      provenanceWrites: apply.mock.calls
        .map(([, , entries]) => entries)
        .filter((entries) => entries.every((e) => e.key.startsWith('Provenance/')))
        .map((entries) => entries.length),
      enqueued: bulk.mock.calls.map(([jobs]) => {
        const byName: Record<string, number> = {};
        for (const j of jobs) byName[j.name] = (byName[j.name] ?? 0) + 1;
        return byName;
      }),
      singleAdds: add.mock.calls.length,
    };
  } finally {
    apply.mockRestore();
    bulk.mockRestore();
    add.mockRestore();
  }
}

test.each(['seed-000.json', 'seed-001.json'])(
  '%s: one Provenance write, one notify enqueue, one push enqueue; nothing new when all is in place',
  async (file) => {
    const patient = await storeSamplePatient(s, SOURCE, file);
    const calls = await assembleRecordingCalls(patient);
    const outputs = [...(await s.store.currentOutputs(patient))];
    const subscribed = outputs.filter(([key]) => /^(MedicationStatement|DetectedIssue)\//.test(key));
    expect(outputs.length).toBeGreaterThan(1);
    expect(calls.provenanceWrites).toEqual([outputs.length]);
    expect(calls.enqueued).toEqual([{ notify: subscribed.length }, { push: destinations.length }]);
    expect(calls.singleAdds).toBe(0);
    const provenance = outputs.map(([key, o]) => `Provenance/${provenanceId(patient, key, o.versionId)}`);
    expect(await s.store.locateMany(provenance)).toEqual(provenance.map(() => patient));

    // A re-run writes nothing and notifies nothing; its pushes carry the same job ids (the same output
    // versions), which the queue already holds: still one push job per destination.
    const again = await assembleRecordingCalls(patient);
    expect(again).toEqual({ provenanceWrites: [], enqueued: [{ push: destinations.length }], singleAdds: 0 });
    const queued = await s.deliverQueue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.filter((j) => j.name === 'push' && j.data.patient === patient)).toHaveLength(
      destinations.length,
    );
  },
  60_000,
);
