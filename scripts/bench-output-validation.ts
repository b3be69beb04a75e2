/**
 * Output validation speed (informative, no thresholds): every course and flag derived from the seed
 * patients, validated against its profile, CPU and wall-clock ms per output, courses and flags apart.
 *   before  the gate with its structure step as @medplum/core does it given `{ profile }` (the
 *           StructureDefinition parsed on every call, Medplum's validator on every output)
 *   after   the gate as it runs (`assertValidOutput`: the compiled structure walk, Medplum's
 *           validator only when the walk does not vouch; JSON Schema, bindings, terminology, rules)
 * Both come from the same run: "before" is "after" with the structure step's time swapped for the
 * per-call one. Every figure is taken after a few warm-up passes (steady state, the JIT done); the
 * average is over all outputs (9 courses weigh 9, 27 flags 27).
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
import { profileVouchesFor, validateAgainstProfile } from '../src/validation/profiles/compiled-profiles';

/** Wall-clock ms and CPU ms (this process, all threads) per output. */
export interface PerOutput {
  wall: number;
  cpu: number;
}

export interface BeforeAfter {
  before: PerOutput;
  after: PerOutput;
}

export interface OutputValidationFigures {
  courses: number;
  flags: number;
  /** Outputs the compiled walk vouched for (Medplum's validator not run). */
  vouched: number;
  /** The structure step alone: Medplum given `{ profile }` → the compiled walk (with fallback). */
  structure: BeforeAfter;
  /** The whole gate per course, per flag, and on average over all outputs. */
  course: BeforeAfter;
  flag: BeforeAfter;
  average: BeforeAfter;
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

/** Calls before timing: V8 compiles hot code on other threads, whose CPU counts here too. */
const WARM_UP_CALLS = 300;

/** Mean wall-clock and CPU ms per output over `rounds` passes (after warm-up passes). */
function timePerOutput(outputs: Resource[], rounds: number, each: (r: Resource) => void): PerOutput {
  const passes = Math.ceil(WARM_UP_CALLS / Math.max(outputs.length, 1));
  for (let k = 0; k < passes; k++) for (const r of outputs) each(r);
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

const profileOf = (r: Resource) => getProfile(r.meta?.profile?.[0] ?? '') as StructureDefinition;

/** The gate before and after for `outputs`: after measured, before = after − walk + per-call parse. */
function gateFigures(outputs: Resource[], rounds: number): BeforeAfter & { structure: BeforeAfter } {
  const perCall = timePerOutput(outputs, rounds, (r) =>
    structure(() => medplumValidate(r, { profile: profileOf(r) })),
  );
  const walk = timePerOutput(outputs, rounds, (r) =>
    structure(() => validateAgainstProfile(r, profileOf(r))),
  );
  const after = timePerOutput(outputs, rounds, assertValidOutput);
  const swap = (k: keyof PerOutput) => after[k] - walk[k] + perCall[k];
  return {
    before: { wall: swap('wall'), cpu: swap('cpu') },
    after,
    structure: { before: perCall, after: walk },
  };
}

/** The per-output mean over all outputs, from the means of courses and flags. */
function weighted(a: BeforeAfter, na: number, b: BeforeAfter, nb: number): BeforeAfter {
  const mean = (x: PerOutput, y: PerOutput): PerOutput => ({
    wall: (x.wall * na + y.wall * nb) / (na + nb),
    cpu: (x.cpu * na + y.cpu * nb) / (na + nb),
  });
  return { before: mean(a.before, b.before), after: mean(a.after, b.after) };
}

export async function benchOutputValidation(rounds = 20): Promise<OutputValidationFigures> {
  const outputs = seedOutputs().map((r) => JSON.parse(JSON.stringify(r)) as Resource);
  const courses = outputs.filter((r) => r.resourceType === 'MedicationStatement');
  const flags = outputs.filter((r) => r.resourceType === 'DetectedIssue');
  const course = gateFigures(courses, rounds);
  await Promise.resolve();
  const flag = gateFigures(flags, rounds);
  return {
    courses: courses.length,
    flags: flags.length,
    vouched: outputs.filter((r) => profileVouchesFor(r, profileOf(r))).length,
    structure: weighted(course.structure, courses.length, flag.structure, flags.length),
    course: { before: course.before, after: course.after },
    flag: { before: flag.before, after: flag.after },
    average: weighted(course, courses.length, flag, flags.length),
  };
}
