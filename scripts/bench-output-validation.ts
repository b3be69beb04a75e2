/**
 * Output validation speed (informative, no thresholds): every course and flag derived from the seed
 * patients, validated against its profile. Both figures come from the same run:
 *   before  the structure step as @medplum/core does it with `{ profile }` (profile parsed per call)
 *   after   the structure step with the profile parsed once (src/validation/profiles/compiled-profiles.ts)
 *   output  the whole output gate (`assertValidOutput`: structure, JSON Schema, bindings, terminology)
 * "Output before" is the whole gate with the structure step replaced by the per-call-parse one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OperationOutcomeError, validateResource as medplumValidate } from '@medplum/core';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadClinical, REPO_ROOT } from '../src/clinical';
import { parsePayload } from '../src/ingest/entries';
import { namespaceEntries } from '../src/ingest/namespace';
import { assertValidOutput, getProfile } from '../src/validation/index';
import { validateAgainstProfile } from '../src/validation/profiles/compiled-profiles';

export interface OutputValidationFigures {
  courses: number;
  flags: number;
  /** Mean ms per output of the structure step, profile parsed on every call. */
  structureBeforeMs: number;
  /** Mean ms per output of the structure step, profile parsed once. */
  structureAfterMs: number;
  /** Mean ms per output of the whole gate before / after. */
  outputBeforeMs: number;
  outputAfterMs: number;
  courseAfterMs: number;
  flagAfterMs: number;
}

function seedOutputs(): Resource[] {
  const clinical = loadClinical();
  const dir = join(REPO_ROOT, 'test', 'fixtures', 'seeds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  return files.flatMap((f) => {
    const bundle = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Bundle;
    const resources = namespaceEntries(parsePayload(bundle).entries, 'bench').prepared.map((p) => p.resource);
    const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const events = resources.flatMap((r) => clinical.map(r, 'bench', (ref) => byRef.get(ref)).events);
    return clinical.derive(events[0]?.patient ?? '', events);
  });
}

/** Runs `each` over all outputs `rounds` times (after one warm-up round); mean ms per output. */
function msPerOutput(outputs: Resource[], rounds: number, each: (r: Resource) => void): number {
  for (const r of outputs) each(r);
  const t0 = performance.now();
  for (let k = 0; k < rounds; k++) for (const r of outputs) each(r);
  return outputs.length === 0 ? NaN : (performance.now() - t0) / (rounds * outputs.length);
}

const structure = (check: () => unknown): void => {
  try {
    check();
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    throw new Error('a derived output failed validation: the bench measures valid outputs only');
  }
};

export async function benchOutputValidation(rounds = 5): Promise<OutputValidationFigures> {
  const outputs = seedOutputs().map((r) => JSON.parse(JSON.stringify(r)) as Resource);
  const profileOf = (r: Resource) => getProfile(r.meta?.profile?.[0] ?? '') as StructureDefinition;
  const courses = outputs.filter((r) => r.resourceType === 'MedicationStatement');
  const flags = outputs.filter((r) => r.resourceType === 'DetectedIssue');
  const structureBeforeMs = msPerOutput(outputs, rounds, (r) =>
    structure(() => medplumValidate(r, { profile: profileOf(r) })),
  );
  const structureAfterMs = msPerOutput(outputs, rounds, (r) =>
    structure(() => validateAgainstProfile(r, profileOf(r))),
  );
  const outputAfterMs = msPerOutput(outputs, rounds, assertValidOutput);
  await Promise.resolve();
  return {
    courses: courses.length,
    flags: flags.length,
    structureBeforeMs,
    structureAfterMs,
    outputBeforeMs: outputAfterMs - structureAfterMs + structureBeforeMs,
    outputAfterMs,
    courseAfterMs: msPerOutput(courses, rounds, assertValidOutput),
    flagAfterMs: msPerOutput(flags, rounds, assertValidOutput),
  };
}
