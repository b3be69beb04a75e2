/**
 * Condition → Diagnosis (B-ALL), MyeloidDisease (AML, myeloid sarcoma), ExtramedullaryDisease
 * (a leukaemia Condition whose bodySite is not bone marrow; every myeloid sarcoma), Toxicity
 * (CRS, ICANS, HLH/MAS with the grade of D89.83x / G92.0x) and Hsct (Z94.84 status, dated at onset,
 * else recordedDate: the status code says a transplant happened, not which kind).
 */
import type { CodeableConcept, Condition } from '@medplum/fhirtypes';
import type { ToxicityKind } from '../domain/events';
import { codesOf, conceptSet, matchConcept, type MatchScope } from './concepts';
import { gradeFromExtensions } from './grade';
import {
  EventCollector,
  ignored,
  issue,
  mapped,
  requirePatient,
  retracted,
  timeOf,
  Unmappable,
} from './result';
import type { ConceptId, MappingContext, MappingResult } from './types';

const CONDITION_CONCEPTS = conceptSet(
  'b-all',
  'aml',
  'myeloid-sarcoma',
  'crs',
  'icans',
  'hlh-mas',
  'hsct-status',
);
const BONE_MARROW = conceptSet('site-bone-marrow');
const TOXICITY: Partial<Record<ConceptId, ToxicityKind>> = {
  crs: 'crs',
  icans: 'icans',
  'hlh-mas': 'hlh-mas',
};

function statusCode(cc: CodeableConcept | undefined): string | undefined {
  const c = Array.isArray(cc?.coding) ? cc.coding.find((x) => typeof x?.code === 'string') : undefined;
  return c?.code;
}

/** The first non-marrow body site as `system|code`, '' when only text; undefined when in marrow or unstated. */
function extramedullarySite(c: Condition, scope: MatchScope): string | undefined {
  const sites = (Array.isArray(c.bodySite) ? c.bodySite : []).filter((s) => s && typeof s === 'object');
  if (sites.length === 0) return undefined;
  if (sites.some((s) => matchConcept(s, BONE_MARROW, scope).length > 0)) return undefined;
  const coding = sites
    .flatMap((s) => (Array.isArray(s.coding) ? s.coding : []))
    .find((x) => typeof x?.code === 'string');
  return coding ? `${typeof coding.system === 'string' ? coding.system : ''}|${coding.code}` : '';
}

export function mapCondition(c: Condition, ctx: MappingContext): MappingResult {
  const verification = statusCode(c.verificationStatus);
  if (verification === 'entered-in-error') return retracted('Condition');
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const matches = matchConcept(c.code, CONDITION_CONCEPTS, scope);
  if (matches.length === 0) return ignored(`Condition code ${codesOf(c.code)} is not a mapped concept`);
  if (verification === 'refuted')
    return mapped([], [issue('information', 'informational', 'Condition refuted: no event')]);
  const patient = requirePatient(c.subject, 'Condition.subject');
  const at = timeOf(c.onsetDateTime) ?? timeOf(c.onsetPeriod?.start) ?? timeOf(c.recordedDate);
  if (!at) throw new Unmappable('Condition.onset[x]', 'no onset date or recordedDate', 'required');
  const events = new EventCollector(
    c,
    patient,
    at,
    timeOf(c.abatementDateTime) ?? timeOf(c.abatementPeriod?.end),
  );
  const clinical = statusCode(c.clinicalStatus);
  let extramedullary: { site?: string; myeloidSarcoma: boolean } | undefined;
  const site = extramedullarySite(c, scope);

  for (const m of matches) {
    const toxicity = TOXICITY[m.concept];
    if (m.concept === 'b-all') {
      events.add('Diagnosis', {
        relapse: m.attributes.relapse === true || clinical === 'relapse' || clinical === 'recurrence',
        remission: m.attributes.remission === true || clinical === 'remission',
      });
      if (site !== undefined) extramedullary ??= { site: site || undefined, myeloidSarcoma: false };
    } else if (m.concept === 'aml') {
      events.add('MyeloidDisease', { form: 'aml' });
      if (site !== undefined) extramedullary ??= { site: site || undefined, myeloidSarcoma: false };
    } else if (m.concept === 'myeloid-sarcoma') {
      events.add('MyeloidDisease', { form: 'myeloid-sarcoma' });
      // A myeloid sarcoma is extramedullary by definition, whatever the bodySite says.
      extramedullary = { site: site || undefined, myeloidSarcoma: true };
    } else if (toxicity) {
      const grade = m.attributes.grade ?? gradeFromExtensions(c.extension, ctx.mappings.gradeExtensionUrl);
      events.add('Toxicity', { toxicity, grade });
    } else if (m.concept === 'hsct-status') {
      events.add('Hsct', { transplantType: 'unknown' });
    }
  }
  if (extramedullary) events.add('ExtramedullaryDisease', extramedullary);
  return mapped(events.events);
}
