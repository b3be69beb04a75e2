/**
 * Dose steps, the indication they imply, and toxicity restarts.
 *
 * A dose step is a run of consecutive administrations (walk order) at the same normalised rate. Two rates
 * are the same when they share a unit (mcg/day or mcg/m²/day) and agree in every unit both carry; a step
 * keeps every unit any of its administrations charted. Administrations without a dose neither start nor
 * break a step. A hold does not break a step either: 9 → hold → 9 is one step at 9 (the hold is an
 * interruption); a step's period then spans the hold.
 *
 * With a course BSA (bsa.ts) an absolute dose is also expressed per m² (mcg/day ÷ m², 2 decimals,
 * `perM2FromBsa`), so a child's 3.85 → 11.55 mcg/day at 0.77 m² is 5 → 15 mcg/m²/day: the step, the
 * indication and restarts are then judged per m². A per-m² rate matches the step or target dose within
 * `perM2DoseTolerance` (pharmacy rounding); an absolute rate must match exactly (9, 28 mcg/day), so
 * flat-dosed patients ≥ 45 kg with a charted BSA are judged as before.
 */
import type { CourseIndication, DoseStep, ToxicityRestart } from '../course';
import { uniqueRefs } from '../source-ref';
import type { AssemblyConfig, DoseRate } from './config';
import type { CycleDraft } from './cycles';
import type { InfusionSpan } from './infusion-days';

interface Rate {
  mcgPerDay?: number;
  mcgPerM2PerDay?: number;
  perM2FromBsa?: boolean;
}

/** A step with the spans it was read from (first and last feed toxicity-restart evidence). */
export interface StepDraft {
  step: DoseStep;
  spans: InfusionSpan[];
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

function sameRate(a: Rate, b: Rate): boolean {
  let shared = 0;
  for (const unit of ['mcgPerDay', 'mcgPerM2PerDay'] as const) {
    const x = a[unit];
    const y = b[unit];
    if (x === undefined || y === undefined) continue;
    if (!near(x, y)) return false;
    shared++;
  }
  return shared > 0;
}

/** True when the rate equals the reference in any unit it carries (per m²: within `tolerance`, relative). */
export function isRate(rate: Rate, ref: DoseRate, tolerance = 0): boolean {
  return (
    (rate.mcgPerDay !== undefined && near(rate.mcgPerDay, ref.mcgPerDay)) ||
    (rate.mcgPerM2PerDay !== undefined &&
      (near(rate.mcgPerM2PerDay, ref.mcgPerM2PerDay) ||
        Math.abs(rate.mcgPerM2PerDay - ref.mcgPerM2PerDay) <= tolerance * ref.mcgPerM2PerDay))
  );
}

function higher(a: Rate, than: Rate): boolean {
  return (
    (a.mcgPerDay !== undefined && than.mcgPerDay !== undefined && a.mcgPerDay > than.mcgPerDay) ||
    (a.mcgPerM2PerDay !== undefined &&
      than.mcgPerM2PerDay !== undefined &&
      a.mcgPerM2PerDay > than.mcgPerM2PerDay)
  );
}

function rateOf(span: InfusionSpan, bsaM2: number | undefined): Rate | undefined {
  const { mcgPerDay, mcgPerM2PerDay } = span.infusion;
  if (mcgPerDay === undefined && mcgPerM2PerDay === undefined) return undefined;
  if (mcgPerM2PerDay === undefined && mcgPerDay !== undefined && bsaM2 !== undefined)
    return { mcgPerDay, mcgPerM2PerDay: Math.round((mcgPerDay / bsaM2) * 100) / 100, perM2FromBsa: true };
  return { mcgPerDay, mcgPerM2PerDay };
}

/** `bsaM2`: the course BSA, when known (bsa.ts). */
export function cycleDoseSteps(cycle: CycleDraft, bsaM2?: number): StepDraft[] {
  const runs: { rate: Rate; spans: InfusionSpan[] }[] = [];
  for (const span of cycle.spans) {
    const rate = rateOf(span, bsaM2);
    if (!rate) continue;
    const current = runs[runs.length - 1];
    if (current && sameRate(current.rate, rate)) {
      const perM2 = current.rate.mcgPerM2PerDay !== undefined ? current.rate : rate;
      current.rate = {
        mcgPerDay: current.rate.mcgPerDay ?? rate.mcgPerDay,
        mcgPerM2PerDay: perM2.mcgPerM2PerDay,
        perM2FromBsa: perM2.perM2FromBsa,
      };
      current.spans.push(span);
    } else runs.push({ rate, spans: [span] });
  }
  return runs.map(({ rate, spans }) => {
    const last = spans.reduce((a, b) => (b.coverageEndMs > a.coverageEndMs ? b : a));
    const step: DoseStep = {
      start: spans[0]!.infusion.at,
      ...(last.endKnown ? { end: last.coverageEnd } : {}),
      ...(rate.mcgPerDay !== undefined ? { mcgPerDay: rate.mcgPerDay } : {}),
      ...(rate.mcgPerM2PerDay !== undefined ? { mcgPerM2PerDay: rate.mcgPerM2PerDay } : {}),
      ...(rate.perM2FromBsa === true ? { perM2FromBsa: true } : {}),
      evidence: uniqueRefs(spans.map((s) => s.infusion.source)),
    };
    return { step, spans };
  });
}

/**
 * From cycle 1's steps: starts at the step dose and later rises → relapsed-refractory; starts at the target
 * dose → mrd-positive (a later drop to the step dose is a toxicity restart, not a step-up); else unknown.
 * The indication is what the dosing shows, not a charted diagnosis.
 */
export function indicationFromSteps(cycle1: readonly DoseStep[], config: AssemblyConfig): CourseIndication {
  const first = cycle1[0];
  const tol = config.perM2DoseTolerance;
  if (!first) return 'unknown';
  if (isRate(first, config.stepDose, tol) && cycle1.slice(1).some((s) => higher(s, first)))
    return 'relapsed-refractory';
  if (isRate(first, config.targetDose, tol)) return 'mrd-positive';
  return 'unknown';
}

/**
 * A drop to the step dose after the target dose was reached earlier in the course (across cycles).
 * Evidence: the last administration before the drop and the first at the step dose.
 */
export function toxicityRestarts(steps: readonly StepDraft[], config: AssemblyConfig): ToxicityRestart[] {
  const out: ToxicityRestart[] = [];
  let reachedTarget = false;
  const tol = config.perM2DoseTolerance;
  steps.forEach(({ step, spans }, i) => {
    if (isRate(step, config.targetDose, tol)) reachedTarget = true;
    const prev = steps[i - 1];
    if (
      !prev ||
      !reachedTarget ||
      !isRate(step, config.stepDose, tol) ||
      isRate(prev.step, config.stepDose, tol)
    )
      return;
    const restart: ToxicityRestart = {
      at: step.start,
      ...(prev.step.mcgPerDay !== undefined ? { fromMcgPerDay: prev.step.mcgPerDay } : {}),
      ...(step.mcgPerDay !== undefined ? { toMcgPerDay: step.mcgPerDay } : {}),
      ...(prev.step.mcgPerM2PerDay !== undefined ? { fromMcgPerM2PerDay: prev.step.mcgPerM2PerDay } : {}),
      ...(step.mcgPerM2PerDay !== undefined ? { toMcgPerM2PerDay: step.mcgPerM2PerDay } : {}),
      evidence: uniqueRefs([prev.spans[prev.spans.length - 1]!.infusion.source, spans[0]!.infusion.source]),
    };
    out.push(restart);
  });
  return out;
}
