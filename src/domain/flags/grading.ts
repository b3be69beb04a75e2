/** Severity from a CRS / ICANS grade: ≥3 high, 2 moderate, 1 low; ungraded moderate (severe not excluded). */
import type { FlagSeverity } from '../course';

export function severityForGrade(grade: number | undefined): FlagSeverity {
  if (grade === undefined) return 'moderate';
  return grade >= 3 ? 'high' : grade === 2 ? 'moderate' : 'low';
}
