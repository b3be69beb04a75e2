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

/** Wall-clock ms and CPU ms (this process, all threads) per output. */
export interface PerOutput {
  wall: number;
  cpu: number;
}

export interface OutputValidationFigures {
  courses: number;
  flags: number;
  /** The structure step, profile parsed on every call (before) and once (after). */
  structureBefore: PerOutput;
  structureAfter: PerOutput;
  /** The whole output gate before / after. */
  outputBefore: PerOutput;
  outputAfter: PerOutput;
  courseAfter: PerOutput;
  flagAfter: PerOutput;
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

/** Mean wall-clock and CPU ms per output over `rounds` passes (after one warm-up pass). */
function timePerOutput(
  outputs: Resource[],
  rounds: number,
  each: (r: Resource) => void,
): { wall: number; cpu: number } {
  for (const r of outputs) each(r);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let k = 0; k < rounds; k++) for (const r of outputs) each(r);
  const cpu = process.cpuUsage(c0);
  const n = rounds * outputs.length;
  if (n === 0) return { wall: NaN, cpu: NaN };
  return { wall: (performance.now() - t0) / n, cpu: (cpu.user + cpu.system) / 1000 / n };
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
  const structureBefore = timePerOutput(outputs, rounds, (r) =>
    structure(() => medplumValidate(r, { profile: profileOf(r) })),
  );
  const structureAfter = timePerOutput(outputs, rounds, (r) =>
    structure(() => validateAgainstProfile(r, profileOf(r))),
  );
  const outputAfter = timePerOutput(outputs, rounds, assertValidOutput);
  await Promise.resolve();
  const swap = (k: keyof PerOutput) => outputAfter[k] - structureAfter[k] + structureBefore[k];
  return {
    courses: courses.length,
    flags: flags.length,
    structureBefore,
    structureAfter,
    outputBefore: { wall: swap('wall'), cpu: swap('cpu') },
    outputAfter,
    courseAfter: timePerOutput(courses, rounds, assertValidOutput),
    flagAfter: timePerOutput(flags, rounds, assertValidOutput),
  };
}
