import type { ClinicalEvent, Temperature, TocilizumabGiven, Toxicity } from '../events';
import type { Course, Cycle } from '../course';
import { uniqueRefs } from '../source-ref';
import { toMs } from '../time';
import type { FlagConfig } from './config';
import { num } from './format';
import { severityForGrade } from './grading';
import type { FlagFinding, FlagRule } from './types';
import { cycleToxicityWindow, cyclesOf, dayOf, eventsOf } from './windows';

/**
 * `crs` — cytokine release syndrome.
 *
 * clinical-rules.md §3: "a CRS Condition/AdverseEvent during a cycle, or the surrogate: tocilizumab
 * given during a cycle with fever ≥38 °C; grade from ICD-10-CM D89.83x, else ASTCT from hypotension
 * (vasopressor = grade 3, several = 4) and hypoxia when recorded." Seed 002: day 3, vasopressors.
 *
 * One episode per cycle (key `cycle-<n>`, "during" = cycleToxicityWindow). Surrogate: tocilizumab with
 * a temperature ≥ `feverCelsius` from `crsFeverLookbackDays` before it to the same day. The surrogate
 * is not used in a cycle with a coded HLH/MAS toxicity (the tocilizumab then treats HLH/MAS; a coded
 * CRS is still raised). Grade: the highest coded grade; else ASTCT from what was charted from the day
 * before onset to `crsGradeWindowDays` after it: fever 1; low-flow oxygen 2; high-flow oxygen or one
 * vasopressor agent 3; positive pressure or several agents 4. A coded ungraded CRS without any of
 * these stays ungraded. Severity: grade ≥3 high, 2 moderate, 1 low, ungraded moderate.
 */
export const crs: FlagRule = (course, { events, config }) =>
  cyclesOf(course).flatMap((cycle) => {
    const finding = crsInCycle(course, cycle, events, config);
    return finding ? [finding] : [];
  });

function crsInCycle(
  course: Course,
  cycle: Cycle,
  events: readonly ClinicalEvent[],
  config: FlagConfig,
): FlagFinding | undefined {
  const window = cycleToxicityWindow(course, cycle, config);
  const coded = eventsOf(events, 'Toxicity', window).filter((t) => t.toxicity === 'crs');
  const hlhCoded = eventsOf(events, 'Toxicity', window).some((t) => t.toxicity === 'hlh-mas');
  const fevers = eventsOf(events, 'Temperature').filter((t) => t.celsius >= config.feverCelsius);
  const surrogate: (TocilizumabGiven | Temperature)[] = [];
  if (!hlhCoded) {
    for (const toci of eventsOf(events, 'TocilizumabGiven', window)) {
      const d = dayOf(toci.at);
      const fever = fevers.filter((f) => dayOf(f.at) >= d - config.crsFeverLookbackDays && dayOf(f.at) <= d);
      if (fever.length > 0) surrogate.push(toci, ...fever);
    }
  }
  if (coded.length === 0 && surrogate.length === 0) return undefined;
  const onset = [...coded, ...surrogate].reduce((a, b) => (toMs(b.at) < toMs(a.at) ? b : a));
  const gradeWindow = { from: dayOf(onset.at) - 1, to: dayOf(onset.at) + config.crsGradeWindowDays };
  const codedGrades = coded.map((t: Toxicity) => t.grade).filter((g): g is number => g !== undefined);
  const feverInWindow = eventsOf(events, 'Temperature', gradeWindow).filter(
    (t) => t.celsius >= config.feverCelsius,
  );
  const pressors = eventsOf(events, 'VasopressorGiven', gradeWindow);
  const oxygen = eventsOf(events, 'OxygenSupport', gradeWindow);
  const agents = new Set(pressors.map((p) => p.agent)).size;
  const oxygenGrade = Math.max(
    0,
    ...oxygen.map((o) => (o.level === 'positive-pressure' ? 4 : o.level === 'high-flow' ? 3 : 2)),
  );
  const astct = Math.max(
    feverInWindow.length > 0 ? 1 : 0,
    agents >= 2 ? 4 : agents === 1 ? 3 : 0,
    oxygenGrade,
  );
  const grade = codedGrades.length > 0 ? Math.max(...codedGrades) : astct > 0 ? astct : undefined;
  const maxFever = Math.max(
    0,
    ...[...feverInWindow, ...surrogate.filter((e) => e.kind === 'Temperature')].map(
      (t) => (t as Temperature).celsius,
    ),
  );
  const basis =
    codedGrades.length > 0
      ? 'coded grade'
      : coded.length > 0 && grade === undefined
        ? 'coded, ungraded'
        : `ASTCT: ${[
            maxFever > 0 ? `fever ${num(maxFever)} °C` : undefined,
            surrogate.length > 0 ? 'tocilizumab' : undefined,
            agents > 0 ? `${agents} vasopressor agent(s)` : undefined,
            oxygenGrade > 0 ? `oxygen grade ${oxygenGrade}` : undefined,
          ]
            .filter(Boolean)
            .join(', ')}`;
  const usedForGrade = codedGrades.length > 0 ? [] : [...feverInWindow, ...pressors, ...oxygen];
  return {
    code: 'crs',
    severity: severityForGrade(grade),
    identifiedAt: onset.at,
    detail: `CRS${grade !== undefined ? ` grade ${grade}` : ''} on day ${dayOf(onset.at) - dayOf(cycle.start) + 1} of cycle ${cycle.number} (${basis})`,
    grade,
    episodeKey: `cycle-${cycle.number}`,
    evidence: uniqueRefs([...coded, ...surrogate, ...usedForGrade].map((e) => e.source)),
  };
}
