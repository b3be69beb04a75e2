/**
 * The compiled walk of the output gate (structure-vouch.ts) against @medplum/core's own profile
 * validation with the profile parsed on every call: on every seed output it vouches (so the fast
 * path is what runs), and on every failing example and mutation the gate gives exactly Medplum's
 * issues; whenever the walk vouches, Medplum reports nothing.
 */
import { validateResource as medplumValidate } from '@medplum/core';
import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { getProfile, isError, warmUpValidation } from '../../src/validation';
import { profileVouchesFor, validateAgainstProfile } from '../../src/validation/profiles/compiled-profiles';
import { brokenOutputs, validOutputs, type Case } from './output-mutations';
import { clone, medplumOutcome } from './medplum-outcome';

beforeAll(() => warmUpValidation(), 120_000);

/**
 * The profile of a case as loaded, or a copy without its root invariants (bbc-*, bbf-*, dom-*): most
 * slice and cardinality breaks also break an invariant, and without them only the structure rules
 * decide, so the walk's own checks of slices, cardinality and references are what is compared.
 */
type Variant = 'as loaded' | 'without root invariants';
const stripped = new Map<string, StructureDefinition>();
function sd(c: Case, variant: Variant): StructureDefinition {
  const loaded = getProfile(c.profile) as StructureDefinition;
  if (variant === 'as loaded') return loaded;
  let copy = stripped.get(c.profile);
  if (!copy) {
    copy = clone(loaded);
    delete copy.snapshot!.element[0].constraint;
    stripped.set(c.profile, copy);
  }
  return copy;
}

/** Medplum's own path: `validateResource(r, { profile })`, which parses the profile on this call. */
const medplum = (c: Case, v: Variant): OperationOutcomeIssue[] =>
  medplumOutcome(() => medplumValidate(clone(c.resource), { profile: sd(c, v) }));
const gate = (c: Case, v: Variant): OperationOutcomeIssue[] =>
  medplumOutcome(() => validateAgainstProfile(clone(c.resource), sd(c, v)));
const vouches = (c: Case, v: Variant): boolean => profileVouchesFor(clone(c.resource), sd(c, v));
const VARIANTS: Variant[] = ['as loaded', 'without root invariants'];

describe('valid outputs', () => {
  const cases = validOutputs();

  it('include every course and flag the seed fixtures give', () => {
    expect(cases.filter((c) => c.resource.resourceType === 'MedicationStatement').length).toBeGreaterThan(5);
    expect(cases.filter((c) => c.resource.resourceType === 'DetectedIssue').length).toBeGreaterThan(10);
  });

  it.each(cases.map((c): [string, Case] => [c.name, c]))(
    '%s: the walk vouches and Medplum agrees there is nothing to report',
    (_name, c) => {
      for (const v of VARIANTS) {
        expect(vouches(c, v)).toBe(true);
        expect(medplum(c, v)).toEqual([]);
        expect(gate(c, v)).toEqual([]);
      }
    },
  );
});

describe.each(VARIANTS)('failing examples and mutations, the profile %s', (v) => {
  const cases = brokenOutputs();

  it('the gate gives exactly the issues of Medplum with the profile parsed per call', () => {
    const differing = cases
      .map((c) => ({ name: c.name, gate: gate(c, v), medplum: medplum(c, v) }))
      .filter((c) => JSON.stringify(c.gate) !== JSON.stringify(c.medplum));
    expect(differing).toEqual([]);
  });

  it('the walk vouches only where Medplum reports nothing, and declines every output Medplum rejects', () => {
    let rejected = 0;
    let declined = 0;
    const wrong: string[] = [];
    for (const c of cases) {
      const issues = medplum(c, v);
      const vouched = vouches(c, v);
      if (issues.some(isError)) rejected++;
      if (!vouched) declined++;
      if (vouched && issues.length > 0) wrong.push(c.name);
    }
    expect(wrong).toEqual([]);
    // The comparison means something only if Medplum does reject many of them.
    expect(rejected).toBeGreaterThan(cases.length / 2);
    expect(declined).toBeGreaterThanOrEqual(rejected);
  });

  it('cover each kind of structural break on courses and flags', () => {
    const names = cases.map((c) => c.name);
    for (const kind of [
      'status as an array',
      'an unknown property',
      'ext-1',
      'a primitive extension',
      'tim-1',
    ])
      expect(names.some((n) => n.includes('MedicationStatement') && n.includes(kind))).toBe(true);
    for (const kind of ['status as a number', 'a reference to a type', 'the first slice removed'])
      expect(names.some((n) => n.includes('DetectedIssue') && n.includes(kind))).toBe(true);
  });
});
