/**
 * The worker's start-up warm-up (src/clinical-warm-up.ts): it runs every sample patient through the
 * clinical core's whole pure path, each round the same, and a broken or missing sample never stops a
 * worker from starting.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { loadClinical, type Clinical } from '../../src/clinical';
import { readWarmUpBundles, warmUpClinical } from '../../src/clinical-warm-up';
import { SAMPLES_DIR } from '../../src/samples';
import { SEED_EXPECTATIONS } from '../fixtures/seeds/expectations';

let clinical: Clinical;
let samples: Bundle[];

beforeAll(() => {
  clinical = loadClinical();
  samples = readWarmUpBundles(SAMPLES_DIR);
});

test('reads every sample bundle', () => {
  expect(samples.length).toBeGreaterThanOrEqual(SEED_EXPECTATIONS.length);
  expect(samples.every((b) => b.resourceType === 'Bundle')).toBe(true);
});

test('each round takes every sample through validate, map, derive and the output gate', () => {
  const entries = samples.reduce((n, b) => n + (b.entry?.length ?? 0), 0);
  const calls = { validate: 0, map: 0, derive: 0, assertValid: 0 };
  const counting: Clinical = {
    validate: (r, at) => (calls.validate++, clinical.validate(r, at)),
    map: (r, s, resolve) => (calls.map++, clinical.map(r, s, resolve)),
    derive: (p, e) => (calls.derive++, clinical.derive(p, e)),
    assertValid: (r) => (calls.assertValid++, clinical.assertValid(r)),
  };
  const one = warmUpClinical(counting, samples, 1);
  expect(one).toMatchObject({ rounds: 1, resources: entries });
  // The seeds' courses and flags are among the outputs, and every output went through the gate.
  expect(one.outputs).toBeGreaterThanOrEqual(SEED_EXPECTATIONS.length);
  expect(calls).toEqual({
    validate: entries,
    map: entries,
    derive: samples.length,
    assertValid: one.outputs,
  });
  const three = warmUpClinical(clinical, samples, 3);
  expect(three).toMatchObject({ rounds: 3, resources: 3 * entries, outputs: 3 * one.outputs });
});

test('a sample that is not a usable bundle is skipped, the others still run', () => {
  const broken = [
    { resourceType: 'NotAType' },
    { resourceType: 'Bundle', type: 'batch', entry: 7 },
  ] as unknown[];
  const summary = warmUpClinical(clinical, [...(broken as Bundle[]), samples[0]], 1);
  expect(summary.resources).toBe(samples[0].entry?.length);
});

test('a missing samples directory means no warm-up, not a failed start', () => {
  expect(readWarmUpBundles(join(tmpdir(), 'no-such-bitebridge-samples'))).toEqual([]);
  expect(warmUpClinical(clinical, [], 3)).toMatchObject({ resources: 0, outputs: 0 });
});

test('only readable .json files are samples: other files and broken JSON are passed over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bb-warm-'));
  try {
    writeFileSync(join(dir, 'b.json'), '{"resourceType":"Bundle","type":"batch","entry":[]}');
    writeFileSync(join(dir, 'a.json'), '{"resourceType":"Bundle", truncated');
    writeFileSync(join(dir, 'notes.txt'), 'not a sample');
    expect(readWarmUpBundles(dir)).toEqual([{ resourceType: 'Bundle', type: 'batch', entry: [] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
