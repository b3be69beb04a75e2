/**
 * Item 6: our own outputs obey the same data-type invariants and the closed slicing of the cycle
 * extension's sub-extensions; each failing example makes assertValidOutput throw, the fixture passes.
 */
import type { Extension, MedicationStatement } from '@medplum/fhirtypes';
import { assertValidOutput, OutputValidationError } from '../../src/validation';
import { checkFhirRules } from '../../src/validation/rules';
import { minimalCourse } from './profile-fixtures';

const cycleOf = (course: MedicationStatement): Extension =>
  (course.extension ?? []).find((e) => e.url.endsWith('/course-cycle')) as Extension;

function rejected(course: MedicationStatement): string[] {
  try {
    assertValidOutput(course);
  } catch (err) {
    expect(err).toBeInstanceOf(OutputValidationError);
    return (err as OutputValidationError).issues.map((i) => i.expression?.[0] ?? '');
  }
  return [];
}

describe('outputs: data-type invariants and closed slicing', () => {
  it('the minimal course passes', () => {
    expect(() => assertValidOutput(minimalCourse())).not.toThrow();
    expect(
      checkFhirRules(minimalCourse() as { resourceType: string }).filter((i) => i.severity === 'error'),
    ).toEqual([]);
  });

  it('a course period ending before it starts fails per-1', () => {
    const course = minimalCourse();
    course.effectivePeriod = { start: '2024-03-01', end: '2024-01-01' };
    expect(rejected(course)).toContain('MedicationStatement.effectivePeriod');
  });

  it('a cycle period ending before it starts fails per-1 (inside the extension)', () => {
    const course = minimalCourse();
    const period = cycleOf(course).extension?.find((e) => e.url === 'period') as Extension;
    period.valuePeriod = { start: '2024-02-01', end: '2024-01-01' };
    expect(rejected(course).some((e) => e.endsWith('.valuePeriod'))).toBe(true);
  });

  it('an unknown sub-extension of a cycle fails the closed slicing', () => {
    const course = minimalCourse();
    cycleOf(course).extension?.push({ url: 'colour', valueString: 'blue' });
    expect(
      rejected(course).some((e) => /^MedicationStatement\.extension\[\d+\]\.extension\[\d+\]$/.test(e)),
    ).toBe(true);
  });

  it('an unknown sub-extension of an interruption fails too (nested closed slicing)', () => {
    const course = minimalCourse();
    const interruption = cycleOf(course).extension?.find((e) => e.url === 'interruption') as Extension;
    interruption.extension?.push({ url: 'colour', valueString: 'blue' });
    expect(
      rejected(course).some((e) => /\.extension\[\d+\]\.extension\[\d+\]\.extension\[\d+\]$/.test(e)),
    ).toBe(true);
  });
});
