/**
 * Input validation with the compiled walk (structure-vouch.ts, vouchesForBaseType) against the path
 * without it, where @medplum/core's validateResource runs on every resource: on HL7 R4 examples
 * (a sample by default, all of them with HL7_EXAMPLES=all), Synthea-shaped resources and structural
 * mutations of both, validateResource returns exactly the same issues, and wherever the walk
 * vouches, Medplum's validator returns an empty array (no error, no warning).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { isError, validateResource, warmUpValidation } from '../../src/validation';
import * as vouch from '../../src/validation/profiles/structure-vouch';
import { INPUT_MUTATIONS, mutatedInputs, syntheaInputs, type InputCase } from './input-mutations';
import { clone } from './medplum-outcome';

const R4 = join(__dirname, '..', '..', '.cache', 'fhir-packages', 'hl7.fhir.r4.examples');
const BODY_LIMIT = 10 * 1024 * 1024;
/** Every 16th example in name order by default (a few seconds); HL7_EXAMPLES=all takes all of them. */
const EVERY = process.env.HL7_EXAMPLES === 'all' ? 1 : 16;
/** Examples of the types Synthea emits most, mutated like the Synthea-shaped resources. */
const MUTATED_EXAMPLES = [
  'AllergyIntolerance-example.json',
  'CarePlan-example.json',
  'Condition-example.json',
  'Encounter-example.json',
  'Immunization-example.json',
  'Observation-example.json',
  'Patient-example.json',
  'Procedure-example.json',
];

const read = (file: string): InputCase => ({
  name: file,
  resource: JSON.parse(readFileSync(join(R4, file), 'utf8')) as Resource,
});

function examples(): InputCase[] {
  return readdirSync(R4)
    .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
    .sort()
    .filter((f, i) => i % EVERY === 0 && statSync(join(R4, f)).size <= BODY_LIMIT)
    .map(read)
    .filter((c) => typeof c.resource.resourceType === 'string');
}

/** What @medplum/core's validateResource says: its returned array, or the issues it throws. */
function medplum(c: InputCase): OperationOutcomeIssue[] | 'threw' {
  try {
    return medplumValidate(clone(c.resource));
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    return 'threw';
  }
}

/** validateResource as it was: the walk never vouches, so Medplum's validator runs every time. */
function withoutWalk(c: InputCase): OperationOutcomeIssue[] {
  const spy = jest.spyOn(vouch, 'vouchesForBaseType').mockReturnValue(false);
  try {
    const issues = validateResource(clone(c.resource));
    // The spy must be what validateResource asked, or both paths would be the same path.
    expect(spy).toHaveBeenCalled();
    return issues;
  } finally {
    spy.mockRestore();
  }
}

interface Tally {
  cases: number;
  medplumSilent: number;
  vouched: number;
  rejected: number;
  differing: string[];
  wronglyVouched: string[];
}

function compare(cases: InputCase[]): Tally {
  const t: Tally = { cases: 0, medplumSilent: 0, vouched: 0, rejected: 0, differing: [], wronglyVouched: [] };
  for (const c of cases) {
    t.cases++;
    const raw = medplum(c);
    const vouched = vouch.vouchesForBaseType(clone(c.resource));
    const now = validateResource(clone(c.resource));
    const before = withoutWalk(c);
    if (raw !== 'threw' && raw.length === 0) t.medplumSilent++;
    if (vouched) t.vouched++;
    if (before.some(isError)) t.rejected++;
    if (vouched && (raw === 'threw' || raw.length > 0)) t.wronglyVouched.push(c.name);
    if (JSON.stringify(now) !== JSON.stringify(before)) t.differing.push(c.name);
  }
  return t;
}

const report = (what: string, t: Tally): void =>
  console.log(
    `${what}: ${t.cases} compared, Medplum silent on ${t.medplumSilent}, vouched ${t.vouched}, ` +
      `rejected ${t.rejected}, differing ${t.differing.length}, wrongly vouched ${t.wronglyVouched.length}`,
  );

beforeAll(() => {
  if (!existsSync(join(R4, 'package.json'))) {
    throw new Error('HL7 example packages not found: run `bash scripts/fetch-fhir-packages.sh` first');
  }
  warmUpValidation();
}, 120_000);

describe('Synthea-shaped input', () => {
  it('is vouched for every time, and Medplum agrees there is nothing to report', () => {
    const t = compare(syntheaInputs(3, 4));
    report('synthea', t);
    expect(t.differing).toEqual([]);
    expect(t.wronglyVouched).toEqual([]);
    expect(t.vouched).toBe(t.cases);
  });

  it('mutated: the same issues as Medplum every time, never vouched where Medplum says anything', () => {
    const bases = syntheaInputs(1, 2);
    const cases = bases.flatMap(mutatedInputs);
    const t = compare(cases);
    report('synthea mutations', t);
    expect(t.differing).toEqual([]);
    expect(t.wronglyVouched).toEqual([]);
    // The comparison means something only if many mutations are rejected and most are declined.
    expect(t.rejected).toBeGreaterThan(cases.length / 3);
    expect(t.vouched).toBeLessThan(t.medplumSilent + 1);
  }, 120_000);
});

describe('HL7 R4 examples', () => {
  it('give the same issues with and without the walk; it vouches only where Medplum is silent', () => {
    const t = compare(examples());
    report(`hl7.fhir.r4.examples (every ${EVERY})`, t);
    expect(t.differing).toEqual([]);
    expect(t.wronglyVouched).toEqual([]);
    // Most examples are vouched for: the walk is what runs on ordinary input.
    expect(t.vouched).toBeGreaterThan(t.cases * 0.8);
  }, 900_000);

  it('mutated: the same issues as Medplum every time, never vouched where Medplum says anything', () => {
    const bases = MUTATED_EXAMPLES.map(read);
    const t = compare(bases.flatMap(mutatedInputs));
    report('hl7 example mutations', t);
    expect(t.differing).toEqual([]);
    expect(t.wronglyVouched).toEqual([]);
    expect(t.rejected).toBeGreaterThan(t.cases / 3);
  }, 120_000);

  it('every mutation fits at least one base', () => {
    const names = [...syntheaInputs(1, 2), ...MUTATED_EXAMPLES.map(read)]
      .flatMap(mutatedInputs)
      .map((c) => c.name);
    const unused = INPUT_MUTATIONS.map(([n]) => n).filter((n) => !names.some((m) => m.endsWith(`: ${n}`)));
    expect(unused).toEqual([]);
  });
});
