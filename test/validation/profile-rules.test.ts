/**
 * Every rule of the blinatumomab-course and course-flag profiles, proven to be enforced: the minimal
 * course/flag passes, and one mutation per rule fails with that rule (invariant key, element or
 * terminology issue).
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import {
  assertValidOutput,
  getProfile,
  isError,
  OutputValidationError,
  validateResource,
} from '../../src/validation';
import { BASE, ext, minimalCourse, minimalFlag } from './profile-fixtures';
import { courseRules, flagRules, type Expect } from './profile-rule-cases';

const COURSE = `${BASE}/StructureDefinition/blinatumomab-course`;
const FLAG = `${BASE}/StructureDefinition/course-flag`;

function errorsOf(r: Resource, profileUrl: string): OperationOutcomeIssue[] {
  return validateResource(r, { profileUrl }).filter(isError);
}

function matches(issues: OperationOutcomeIssue[], expected: Expect): boolean {
  if ('invariant' in expected) {
    return issues.some(
      (i) => i.code === 'invariant' && (i.diagnostics ?? '').startsWith(`Constraint ${expected.invariant} `),
    );
  }
  return issues.some((i) => i.code === expected.code && i.expression?.[0] === expected.expression);
}

describe('blinatumomab-course profile', () => {
  it('the minimal course passes', () => {
    expect(errorsOf(minimalCourse(), COURSE)).toEqual([]);
    expect(() => assertValidOutput(minimalCourse())).not.toThrow();
  });

  it('an active course without end, end reason, cycles or links passes', () => {
    const c = minimalCourse();
    c.status = 'active';
    delete c.statusReason;
    c.effectivePeriod = { start: '2024-01-01' };
    c.extension = c.extension!.filter(
      (e) =>
        e.url === ext('course-number') ||
        e.url === ext('course-indication') ||
        e.url === ext('course-dose-basis'),
    );
    expect(errorsOf(c, COURSE)).toEqual([]);
  });

  it.each(courseRules)('$rule is enforced', ({ mutate, expect: expected }) => {
    const c = minimalCourse();
    mutate(c);
    const issues = errorsOf(c, COURSE);
    expect(matches(issues, expected)).toBe(true);
    expect(() => assertValidOutput(c)).toThrow(OutputValidationError);
  });
});

describe('course-flag profile', () => {
  it('the minimal flag passes', () => {
    expect(errorsOf(minimalFlag(), FLAG)).toEqual([]);
  });

  it('a flag without grade passes', () => {
    const f = minimalFlag();
    f.extension = f.extension!.filter((e) => e.url !== ext('flag-grade'));
    expect(errorsOf(f, FLAG)).toEqual([]);
  });

  it.each(flagRules)('$rule is enforced', ({ mutate, expect: expected }) => {
    const f = minimalFlag();
    mutate(f);
    expect(matches(errorsOf(f, FLAG), expected)).toBe(true);
  });
});

describe('every invariant of our profiles has a failing example above', () => {
  it.each([
    [COURSE, courseRules],
    [FLAG, flagRules],
  ] as const)('%s', (url, rules) => {
    const keys = (getProfile(url)?.snapshot?.element?.[0].constraint ?? [])
      .map((c) => c.key)
      .filter((k) => k?.startsWith('bb'));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(rules.map((r) => r.rule.split(' ')[0])).toContain(key);
  });
});

describe('assertValidOutput', () => {
  it('names the resource, the profile and each issue, without the detail text', () => {
    const f = minimalFlag();
    f.detail = 'Jane Smith was unwell';
    f.status = 'preliminary';
    let thrown: unknown;
    try {
      assertValidOutput(f);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OutputValidationError);
    const e = thrown as OutputValidationError;
    expect(e.message).toContain('DetectedIssue/flag-1');
    expect(e.message).toContain('bbf-2');
    expect(e.message).not.toContain('Smith');
    expect(e.issues.length).toBeGreaterThan(0);
  });

  it('ignores keys set to undefined (they vanish in the stored JSON)', () => {
    const c = minimalCourse();
    Object.assign(c, { note: undefined });
    Object.assign(c.effectivePeriod as object, { end: '2024-01-29', extra: undefined });
    expect(() => assertValidOutput(c)).not.toThrow();
  });

  it('rejects an output without meta.profile and one naming an unknown profile', () => {
    const c = minimalCourse();
    delete c.meta;
    expect(() => assertValidOutput(c)).toThrow(OutputValidationError);
    c.meta = { profile: [`${BASE}/StructureDefinition/unknown`] };
    expect(() => assertValidOutput(c)).toThrow(/Unknown profile/);
  });

  it('rejects a flag validated against the course profile', () => {
    const f = minimalFlag();
    f.meta = { profile: [COURSE] };
    expect(() => assertValidOutput(f)).toThrow(OutputValidationError);
  });
});
