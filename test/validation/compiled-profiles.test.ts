/**
 * The once-parsed profile path gives exactly the issues of @medplum/core's own profile path, on the
 * minimal outputs and on many broken variants of them, and leaves the base types untouched.
 */
import { validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { getProfile, isError, validateResource, warmUpValidation } from '../../src/validation';
import { validateAgainstProfile } from '../../src/validation/profiles/compiled-profiles';
import { clone, medplumOutcome } from './medplum-outcome';
import { minimalCourse, minimalFlag } from './profile-fixtures';

beforeAll(() => warmUpValidation(), 120_000);

type Json = Record<string, unknown>;

/** Broken variants: each top-level key dropped or given a wrong type, each (sub-)extension dropped. */
function variants(valid: Resource): { name: string; resource: Resource }[] {
  const out: { name: string; resource: Resource }[] = [{ name: 'valid', resource: clone(valid) }];
  for (const key of Object.keys(valid)) {
    if (key === 'resourceType') continue;
    const dropped = clone(valid) as unknown as Json;
    delete dropped[key];
    out.push({ name: `without ${key}`, resource: dropped as unknown as Resource });
    const wrong = clone(valid) as unknown as Json;
    wrong[key] = 42;
    out.push({ name: `${key} as a number`, resource: wrong as unknown as Resource });
  }
  const extensions = (valid as { extension?: { extension?: unknown[] }[] }).extension ?? [];
  extensions.forEach((e, i) => {
    const without = clone(valid) as { extension: unknown[] };
    without.extension.splice(i, 1);
    out.push({ name: `without extension ${i}`, resource: without as unknown as Resource });
    (e.extension ?? []).forEach((_s, j) => {
      const r = clone(valid) as { extension: { extension: unknown[] }[] };
      r.extension[i].extension.splice(j, 1);
      out.push({ name: `without extension ${i}.${j}`, resource: r as unknown as Resource });
    });
  });
  const unknown = clone(valid) as unknown as Json;
  unknown.notAnElement = true;
  out.push({ name: 'unknown property', resource: unknown as unknown as Resource });
  // A choice type the profile narrows away, alone and beside the allowed one: Medplum reads the
  // resource's properties through the base type even when given the profile.
  const [allowed, other, value]: [string, string, unknown] =
    valid.resourceType === 'MedicationStatement'
      ? ['effectivePeriod', 'effectiveDateTime', '2024-01-01']
      : ['identifiedDateTime', 'identifiedPeriod', { start: '2024-01-01' }];
  const beside = clone(valid) as unknown as Json;
  beside[other] = value;
  out.push({ name: `${other} beside ${allowed}`, resource: beside as unknown as Resource });
  const instead = clone(beside);
  delete instead[allowed];
  out.push({ name: `${other} instead of ${allowed}`, resource: instead as unknown as Resource });
  return out;
}

describe.each([
  ['course', minimalCourse() as Resource],
  ['flag', minimalFlag() as Resource],
])('the %s profile parsed once', (_label, valid) => {
  const profile = () => {
    const url = valid.meta?.profile?.[0] as string;
    return getProfile(url)!;
  };

  it('gives the same issues as parsing it on every call, for every variant', () => {
    const cases = variants(valid);
    let failing = 0;
    for (const { name, resource } of cases) {
      const fresh = medplumOutcome(() => medplumValidate(clone(resource), { profile: profile() }));
      const cached = medplumOutcome(() => validateAgainstProfile(clone(resource), profile()));
      expect({ name, issues: cached }).toEqual({ name, issues: fresh });
      if (fresh.some(isError)) failing++;
    }
    // The comparison means something only if many variants do fail.
    expect(failing).toBeGreaterThan(cases.length / 3);
  });

  it('gives the same answer however often it runs (the parsed schema is not changed by use)', () => {
    const broken = variants(valid).filter(({ resource }) =>
      medplumOutcome(() => validateAgainstProfile(clone(resource), profile())).some(isError),
    );
    const first = broken.map(({ resource }) =>
      medplumOutcome(() => validateAgainstProfile(resource, profile())),
    );
    const again = broken.map(({ resource }) =>
      medplumOutcome(() => validateAgainstProfile(resource, profile())),
    );
    expect(again).toEqual(first);
  });
});

describe('the base types after profile validation', () => {
  it('a plain MedicationStatement is still validated against base R4, not the course profile', () => {
    validateAgainstProfile(minimalCourse(), getProfile(minimalCourse().meta!.profile![0])!);
    const plain: Resource = {
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: { text: 'aspirin' },
      subject: { reference: 'Patient/p1' },
    };
    expect(validateResource(plain).filter(isError)).toEqual([]);
  });

  it('the base type is restored when the profile validation throws', () => {
    const broken = { ...minimalFlag(), status: 42 } as unknown as Resource;
    expect(() => validateAgainstProfile(broken, getProfile(minimalFlag().meta!.profile![0])!)).toThrow(
      OperationOutcomeError,
    );
    const plain: Resource = {
      resourceType: 'DetectedIssue',
      status: 'final',
    };
    expect(validateResource(plain).filter(isError)).toEqual([]);
  });
});
