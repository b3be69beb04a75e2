import type { MrdResult } from '../events';
import { uniqueRefs } from '../source-ref';
import { date } from './format';
import { describeMrd, quantifiable, readMrd } from './mrd';
import type { FlagFinding, FlagRule } from './types';
import { courseWindow, eventsOf, inWindow } from './windows';

/**
 * `molecular-relapse` — MRD conversion.
 *
 * clinical-rules.md §3: "MRD ≥10⁻⁴ after a prior MRD <10⁻⁴, or a rise of ≥1 log in quantifiable MRD."
 * Seed 003: rising MRD after the second HSCT (and after the first CAR-T remission).
 *
 * Read over the patient's whole MRD timeline (the prior negative may predate the course); raised on the
 * course whose window (course.start up to the next course) holds the triggering MRD. A positive run
 * raises at most one episode (key `mrd-<date of the trigger>`); a negative MRD ends the run. The
 * ≥1-log rise compares consecutive quantifiable values (no comparator).
 *
 * Severity: high when the triggering MRD is ≥ `mrdHighFraction` (10⁻³); moderate otherwise.
 */
export const molecularRelapse: FlagRule = (course, { events, courses, config }) => {
  const window = courseWindow(course, courses);
  const findings: FlagFinding[] = [];
  let previous: MrdResult | undefined;
  let previousNegative = false;
  let runFlagged = false;
  for (const m of eventsOf(events, 'MrdResult')) {
    const reading = readMrd(m, config.mrdPositiveFraction);
    if (reading === 'indeterminate') continue;
    if (reading === 'negative') {
      previous = m;
      previousNegative = true;
      runFlagged = false;
      continue;
    }
    const q = quantifiable(m);
    const pq = previous && quantifiable(previous);
    const logRise = q !== undefined && pq !== undefined && q >= 10 * pq;
    const trigger = (previousNegative || logRise) && previous !== undefined;
    if (trigger && !runFlagged && previous && inWindow(m.at, window)) {
      findings.push({
        code: 'molecular-relapse',
        severity: (m.fraction ?? 0) >= config.mrdHighFraction ? 'high' : 'moderate',
        identifiedAt: m.at,
        detail:
          `${describeMrd(m)} on ${date(m.at)} after ${describeMrd(previous)} on ${date(previous.at)}` +
          (previousNegative ? ' (conversion)' : ' (≥1 log rise)'),
        episodeKey: `mrd-${date(m.at)}`,
        evidence: uniqueRefs([m.source, previous.source]),
      });
    }
    if (trigger) runFlagged = true;
    previous = m;
    previousNegative = false;
  }
  return findings;
};
