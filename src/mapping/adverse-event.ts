/**
 * AdverseEvent → Toxicity (CRS, ICANS, HLH/MAS) by `event` coding or text. Grade from the event
 * coding (D89.83x, G92.0x) or a grade extension; AdverseEvent.severity (mild/moderate/severe) is not
 * an ASTCT grade and is not read as one. A `potential` AdverseEvent (a risk, not an event) gives no event.
 */
import type { AdverseEvent } from '@medplum/fhirtypes';
import type { ToxicityKind } from '../domain/events';
import { codesOf, conceptSet, matchConcept } from './concepts';
import { gradeFromExtensions } from './grade';
import { EventCollector, ignored, issue, mapped, requirePatient, timeOf, Unmappable } from './result';
import type { ConceptId, MappingContext, MappingResult } from './types';

const TOXICITIES = conceptSet('crs', 'icans', 'hlh-mas');

export function mapAdverseEvent(ae: AdverseEvent, ctx: MappingContext): MappingResult {
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const matches = matchConcept(ae.event, TOXICITIES, scope);
  if (matches.length === 0) return ignored(`AdverseEvent event ${codesOf(ae.event)} is not a mapped concept`);
  if (ae.actuality === 'potential') {
    return mapped([], [issue('information', 'informational', 'AdverseEvent is potential: no event')]);
  }
  const patient = requirePatient(ae.subject, 'AdverseEvent.subject');
  const at = timeOf(ae.date) ?? timeOf(ae.detected) ?? timeOf(ae.recordedDate);
  if (!at) throw new Unmappable('AdverseEvent.date', 'no date, detected or recordedDate', 'required');
  const events = new EventCollector(ae, patient, at);
  const extensionGrade = gradeFromExtensions(ae.extension, ctx.mappings.gradeExtensionUrl);
  for (const m of matches) {
    events.add('Toxicity', {
      toxicity: m.concept as ToxicityKind & ConceptId,
      grade: m.attributes.grade ?? extensionGrade,
    });
  }
  return mapped(events.events);
}
