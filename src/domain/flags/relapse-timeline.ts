/**
 * The patient's hematologic remission/relapse timeline, shared by hematologic-relapse and the
 * registry summary. A relapse is a relapse marker while the patient is in remission; markers while
 * already relapsed (or never in remission) are not new relapses.
 */
import type {
  ClinicalEvent,
  DiseaseStatus,
  Diagnosis,
  MarrowBlasts,
  MrdResult,
  PeripheralBlasts,
} from '../events';
import type { Course } from '../course';
import type { SourceRef } from '../source-ref';
import { toMs } from '../time';
import type { FlagConfig } from './config';
import { certainlyAtLeast, certainlyBelow } from './blasts';
import { readMrd } from './mrd';
import { byTime, dayOf } from './windows';

export type RelapseMarker = MarrowBlasts | PeripheralBlasts | Diagnosis;

export interface RelapseEpisode {
  at: string;
  /** The markers of the episode (within `episodeMergeDays` of its start). */
  markers: RelapseMarker[];
  /** The remission evidence it relapsed from. */
  remission: SourceRef[];
}

interface Step {
  at: string;
  eventId: string;
  kind: 'remission' | 'relapse';
  refs: SourceRef[];
  marker?: RelapseMarker;
}

function isRelapseMarker(e: ClinicalEvent, config: FlagConfig): e is RelapseMarker {
  if (e.kind === 'MarrowBlasts') return certainlyAtLeast(e, config.relapseMarrowBlastsPercent);
  if (e.kind === 'PeripheralBlasts') {
    if (e.comparator === '<' || e.comparator === '<=') return false; // "<1%": not shown to be present
    return (e.percent ?? 0) > 0 || (e.count10e9PerL ?? 0) > 0;
  }
  return e.kind === 'Diagnosis' && e.relapse;
}

function isRemission(
  e: ClinicalEvent,
  config: FlagConfig,
): e is MarrowBlasts | MrdResult | Diagnosis | DiseaseStatus {
  if (e.kind === 'MarrowBlasts') return certainlyBelow(e, config.remissionMarrowBlastsPercent);
  if (e.kind === 'MrdResult') return readMrd(e, config.mrdPositiveFraction) === 'negative';
  if (e.kind === 'Diagnosis') return e.remission && !e.relapse;
  return e.kind === 'DiseaseStatus' && e.status === 'full-remission';
}

/** Remission evidence and relapse markers in time order; at the same time remission comes first. */
function steps(events: readonly ClinicalEvent[], courses: readonly Course[], config: FlagConfig): Step[] {
  const out: Step[] = [];
  for (const e of events) {
    if (isRelapseMarker(e, config))
      out.push({ at: e.at, eventId: e.eventId, kind: 'relapse', refs: [e.source], marker: e });
    else if (isRemission(e, config))
      out.push({ at: e.at, eventId: e.eventId, kind: 'remission', refs: [e.source] });
  }
  for (const course of courses) {
    for (const cycle of course.cycles) {
      const r = cycle.response;
      if (r.assessedAt && ['CR', 'CRh', 'CRi'].includes(r.category) && r.evidence.length > 0) {
        out.push({
          at: r.assessedAt,
          eventId: `${course.id}#cycle-${cycle.number}`,
          kind: 'remission',
          refs: r.evidence,
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      toMs(a.at) - toMs(b.at) || (a.kind === b.kind ? 0 : a.kind === 'remission' ? -1 : 1) || byTime(a, b),
  );
}

export function relapseEpisodes(
  events: readonly ClinicalEvent[],
  courses: readonly Course[],
  config: FlagConfig,
): RelapseEpisode[] {
  const episodes: RelapseEpisode[] = [];
  let remission: SourceRef[] | undefined;
  let current: RelapseEpisode | undefined;
  for (const step of steps(events, courses, config)) {
    if (step.kind === 'remission') {
      // Remission evidence on the day of an open episode does not end it (same-day mixed reports).
      if (current && dayOf(step.at) === dayOf(current.at)) continue;
      remission = step.refs;
      current = undefined;
      continue;
    }
    const marker = step.marker as RelapseMarker;
    if (current && dayOf(marker.at) - dayOf(current.at) <= config.episodeMergeDays) {
      current.markers.push(marker);
    } else if (remission) {
      current = { at: marker.at, markers: [marker], remission };
      episodes.push(current);
      remission = undefined;
    }
  }
  return episodes;
}
