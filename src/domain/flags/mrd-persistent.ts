import type { MrdResult } from '../events';
import { uniqueRefs } from '../source-ref';
import { powerOfTen } from './format';
import { describeMrd, readMrd } from './mrd';
import type { FlagFinding, FlagRule } from './types';
import { cyclesOf, endOfCycleWindow, eventsOf } from './windows';

/**
 * `mrd-persistent` — MRD persistence.
 *
 * clinical-rules.md §3: "MRD ≥10⁻⁴ at the end of cycle 1 or any later cycle of a course (no complete
 * MRD response); severity higher when ≥10⁻³ or after ≥2 cycles." Seed 000: MRD+ after three cycles.
 *
 * The end-of-cycle MRD is the last MRD in the cycle's end-of-cycle window (windows.ts). Consecutive
 * MRD-positive cycles are ONE episode (key `from-cycle-<first positive cycle>`): the flag's detail and
 * severity follow the latest cycle, its id stays stable as cycles are added. A negative cycle ends the
 * run; positivity after it is a new episode (and a molecular relapse, see molecular-relapse.ts).
 * A cycle with no end-of-cycle MRD (or an indeterminate one) neither extends nor ends a run.
 *
 * Severity: high when the latest positive MRD is ≥ `mrdHighFraction` (10⁻³) or the run reaches the
 * end of cycle 2 or later; moderate otherwise.
 */
export const mrdPersistent: FlagRule = (course, { events, config }) => {
  const findings: FlagFinding[] = [];
  let run: { first: number; last: number; mrds: MrdResult[] } | undefined;
  const close = () => {
    if (!run) return;
    const latest = run.mrds[run.mrds.length - 1];
    const high = (latest.fraction ?? 0) >= config.mrdHighFraction || run.last >= 2;
    findings.push({
      code: 'mrd-persistent',
      severity: high ? 'high' : 'moderate',
      identifiedAt: run.mrds[0].at,
      detail: `${describeMrd(latest)} after cycle ${run.last} (≥${powerOfTen(config.mrdPositiveFraction)})`,
      episodeKey: `from-cycle-${run.first}`,
      evidence: uniqueRefs(run.mrds.map((m) => m.source)),
    });
    run = undefined;
  };
  for (const cycle of cyclesOf(course)) {
    const mrds = eventsOf(events, 'MrdResult', endOfCycleWindow(course, cycle, config));
    const last = mrds[mrds.length - 1];
    if (!last) continue;
    const reading = readMrd(last, config.mrdPositiveFraction);
    if (reading === 'negative') close();
    if (reading !== 'positive') continue;
    if (run) {
      run.last = cycle.number;
      run.mrds.push(last);
    } else run = { first: cycle.number, last: cycle.number, mrds: [last] };
  }
  close();
  return findings;
};
