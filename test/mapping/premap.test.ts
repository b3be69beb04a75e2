/**
 * Mapping before storing (queue/premap.ts) is only sound if the outcome cannot depend on the version
 * the resource is stored as, except for the version each event cites: mappers read meta.versionId
 * only for that. On every example at hand (seed patients, the Synthea-shaped workload, the HL7 R4 and
 * mCODE examples), the outcome mapped before storing, with the version stamped, equals mapping the
 * stored version (status, events, issues); and a resource that needs a stored resource resolved is
 * never mapped before storing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { loadClinical } from '../../src/clinical';
import { parsePayload } from '../../src/ingest/entries';
import { namespaceEntries } from '../../src/ingest/namespace';
import { referencesToResolve } from '../../src/mapping/references';
import { citingVersion } from '../../src/mapping/result';
import { premapper } from '../../src/queue/premap';
import { syntheaPatient } from '../../scripts/bench-workloads';
import { seedBundles } from '../helpers/synthetic';
import { REPO } from './helpers';

const clinical = loadClinical();
const SOURCE = 'hospa';

function examples(dir: string): Resource[] {
  if (!existsSync(dir)) throw new Error(`${dir} not found: run scripts/fetch-fhir-packages.sh`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .flatMap((f) => {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource;
      if (!r || typeof r.resourceType !== 'string') return [];
      return r.resourceType === 'Bundle'
        ? (r.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))
        : [r];
    });
}

const namespaced = (bundles: ReturnType<typeof seedBundles>) =>
  bundles.flatMap((b) => namespaceEntries(parsePayload(b).entries, SOURCE).prepared.map((p) => p.resource));

/** [name, resources, whether some of them map to events (so are mapped after they are stored)]. */
const corpora: Array<[string, () => Resource[], boolean]> = [
  ['seed patients', () => namespaced(seedBundles(5, 'pm')), true],
  ['Synthea-shaped', () => namespaced([syntheaPatient(1, 20)]), false],
  ['HL7 R4 examples', () => examples(join(REPO, '.cache', 'fhir-packages', 'hl7.fhir.r4.examples')), true],
  [
    'mCODE examples',
    () => examples(join(REPO, '.cache', 'fhir-packages', 'hl7.fhir.us.mcode', 'example')),
    true,
  ],
];

test.each(corpora)(
  '%s: the outcome mapped before storing, version stamped, is the stored version’s',
  (_name, load, withEvents) => {
    const premap = premapper(clinical.map, SOURCE);
    let withoutEvents = 0;
    let eventful = 0;
    for (const r of load()) {
      const before = premap(r);
      if (!before) {
        expect(referencesToResolve(r).length).toBeGreaterThan(0);
        continue;
      }
      expect(referencesToResolve(r)).toEqual([]);
      if (before.events.length) eventful++;
      else withoutEvents++;
      const stored = { ...r, meta: { ...r.meta, versionId: '7', lastUpdated: '2024-05-06T07:08:09.000Z' } };
      expect(citingVersion(before, '7')).toEqual(clinical.map(stored, SOURCE, () => undefined));
    }
    // Not vacuous: every corpus has resources without events (feeds are mostly such), and those
    // with clinical content have resources with events too.
    expect(withoutEvents).toBeGreaterThan(0);
    if (withEvents) expect(eventful).toBeGreaterThan(0);
  },
);
