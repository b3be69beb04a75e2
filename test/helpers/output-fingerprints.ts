/**
 * Every stored course and flag of a harness, by key, with its content fingerprint: two runs that must
 * derive the same outputs (a clean run and one with crashes or duplicate executions) compare equal.
 */
import { fingerprint } from '../../src/ingest/canonical';
import type { Harness } from './harness';

export async function outputFingerprints(h: Harness): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for await (const p of h.rt.store.patients()) {
    for (const o of (await h.rt.store.currentOutputs(p)).values()) all.set(o.key, fingerprint(o.resource));
  }
  return all;
}

/** The same keys, each with the same fingerprint (a failure names the first output that differs). */
export function expectSameOutputs(actual: Map<string, string>, expected: Map<string, string>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, fp] of expected) expect([k, actual.get(k)]).toEqual([k, fp]);
}
