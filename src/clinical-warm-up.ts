/**
 * Warming a worker process's clinical core before it takes jobs. Measured on the bench's latency run:
 * a freshly started worker process answered its first ~15 patients 5–10× slower than its steady state
 * (code V8 had not compiled yet, lookup tables built on first use), so every deploy or restart showed
 * as a burst of slow POST → flags times. Here the sample patients (the seeds the README's first
 * command posts) go through the worker's pure path a few times — validate every entry, map, derive
 * courses and flags, check each output against its profile — with nothing stored and no Redis.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Clinical } from './clinical';
import { parsePayload } from './ingest/entries';
import { namespaceEntries } from './ingest/namespace';

/** The source the warm-up namespaces its patients under; nothing of it is ever stored. */
const WARM_UP_SOURCE = 'warm-up';

export interface WarmUpSummary {
  rounds: number;
  resources: number;
  outputs: number;
  ms: number;
}

/** The sample bundles in `dir` (`*.json`), in name order; a missing directory or unreadable file is passed over. */
export function readWarmUpBundles(dir: string): Bundle[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as Bundle];
    } catch {
      return [];
    }
  });
}

/** One patient through the worker's pure path; returns how many resources and outputs it handled. */
function onePatient(clinical: Clinical, bundle: Bundle): { resources: number; outputs: number } {
  const parsed = parsePayload(bundle);
  const resources = namespaceEntries(parsed.entries, WARM_UP_SOURCE).prepared.map((p) => p.resource);
  const byRef = new Map<string, Resource>(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const events = [];
  for (const r of resources) {
    clinical.validate(r, '');
    events.push(...clinical.map(r, WARM_UP_SOURCE, (ref) => byRef.get(ref)).events);
  }
  const patient = events[0]?.patient ?? '';
  const outputs = clinical.derive(patient, events);
  for (const o of outputs) clinical.assertValid(o);
  return { resources: resources.length, outputs: outputs.length };
}

/**
 * Runs every bundle through `clinical` `rounds` times. A sample that is not a readable Bundle is
 * skipped: warming up is an optimisation and must never stop a worker from starting.
 */
export function warmUpClinical(clinical: Clinical, bundles: Bundle[], rounds: number): WarmUpSummary {
  const t0 = performance.now();
  const summary: WarmUpSummary = { rounds, resources: 0, outputs: 0, ms: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const bundle of bundles) {
      try {
        const n = onePatient(clinical, bundle);
        summary.resources += n.resources;
        summary.outputs += n.outputs;
      } catch {
        // An odd sample (edited by hand, say) only means less warming.
      }
    }
  }
  summary.ms = Math.round(performance.now() - t0);
  return summary;
}
