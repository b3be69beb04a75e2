/**
 * The body surface area a course's doses are judged with (clinical-rules §1, Dose): the latest BSA
 * Observation charted from `bsaLookbackDays` (30) days before course day 1 up to day 1; without one,
 * Mosteller √(height cm × weight kg / 3600) from the latest height and the latest weight in that window.
 * None → the course is judged as charted (today's behaviour). BSA is rounded to 2 decimals, as pharmacies
 * calculate it (0.77 m² × 5 mcg/m²/day = 3.85 mcg/day).
 */
import type { CourseBsa } from '../course';
import type { BodyMeasure, BodyMeasurement, ClinicalEvent } from '../events';
import type { AssemblyConfig } from './config';
import { calendarDay, ofKind } from './patient-events';

const round2 = (x: number) => Math.round(x * 100) / 100;

/** `events` must be deduplicated and sorted (patient-events.ts): the last match is the latest. */
export function courseBsa(
  events: readonly ClinicalEvent[],
  day1: number,
  config: AssemblyConfig,
): CourseBsa | undefined {
  const inWindow = ofKind(events, 'BodyMeasurement').filter((m) => {
    const d = calendarDay(m.at);
    return d <= day1 && d >= day1 - config.bsaLookbackDays && m.value > 0;
  });
  const latest = (measure: BodyMeasure): BodyMeasurement | undefined =>
    inWindow.filter((m) => m.measure === measure).pop();
  const bsa = latest('bsa');
  if (bsa) return { m2: round2(bsa.value), method: 'measured', at: bsa.at, evidence: [bsa.source] };
  const height = latest('height');
  const weight = latest('weight');
  if (!height || !weight) return undefined;
  const m2 = round2(Math.sqrt((height.value * weight.value) / 3600));
  if (!(m2 > 0)) return undefined;
  const at = calendarDay(height.at) >= calendarDay(weight.at) ? height.at : weight.at;
  return { m2, method: 'mosteller', at, evidence: [height.source, weight.source] };
}
