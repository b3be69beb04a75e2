/**
 * MedicationAdministration → blinatumomab infusions, tocilizumab, dexamethasone, vasopressors, CAR-T.
 *
 * Decisions (documented in mappings/README.md):
 * - blinatumomab with status not-done still yields a BlinatumomabInfusion with status 'not-done' (the
 *   assembler ignores it; keeping it makes the chart's statement visible). Status 'unknown' is an error.
 * - other drugs yield an event only when given (completed, in-progress, stopped); not-done / on-hold /
 *   unknown are recognised with no event.
 * - a drug that is none of the target drugs is `ignored`, with an information issue naming its codes.
 * - an unresolvable medicationReference is an error: the drug cannot be known, so it is not ignored.
 */
import type { MedicationAdministration, MedicationRequest } from '@medplum/fhirtypes';
import type { InfusionStatus, Vasopressor } from '../domain/events';
import { codesOf } from './concepts';
import { identifyMedication, normaliseBlinatumomabDose } from './medication';
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
import type { MappingContext, MappingResult } from './types';

const INFUSION_STATUS: Record<string, InfusionStatus> = {
  completed: 'completed',
  'in-progress': 'in-progress',
  stopped: 'stopped',
  'on-hold': 'on-hold',
  'not-done': 'not-done',
};
const GIVEN = new Set(['completed', 'in-progress', 'stopped']);
const VASOPRESSORS = new Set<string>([
  'norepinephrine',
  'vasopressin',
  'epinephrine',
  'phenylephrine',
  'dopamine',
]);

export function mapMedicationAdministration(
  ma: MedicationAdministration,
  ctx: MappingContext,
): MappingResult {
  if (ma.status === 'entered-in-error') return retracted('MedicationAdministration');
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const med = identifyMedication(ma, ctx, scope);
  if (med.unresolved) {
    throw new Unmappable(
      'MedicationAdministration.medicationReference',
      `Medication ${med.unresolved.slice(0, 100)} not found (contained or bundled)`,
      'not-found',
    );
  }
  if (!med.match) {
    const codes = med.codes.map(codesOf).join('; ') || '(no coding)';
    return ignored(`MedicationAdministration: not a target drug (${codes})`);
  }
  const drug = med.match.concept;
  const patient = requirePatient(ma.subject, 'MedicationAdministration.subject');
  const at = timeOf(ma.effectiveDateTime) ?? timeOf(ma.effectivePeriod?.start);
  if (!at)
    throw new Unmappable('MedicationAdministration.effective[x]', 'no administration time', 'required');
  const events = new EventCollector(ma, patient, at, timeOf(ma.effectivePeriod?.end));
  const status = typeof ma.status === 'string' ? ma.status : '';
  // Shown in issues only when it looks like a status code.
  const shownStatus = /^[a-z-]{1,20}$/.test(status) ? status : '(invalid)';

  if (drug === 'blinatumomab') {
    const infusion = INFUSION_STATUS[status];
    if (!infusion)
      throw new Unmappable(
        'MedicationAdministration.status',
        `status ${shownStatus} cannot be read as an infusion status`,
      );
    const dose = infusion === 'not-done' ? {} : normaliseBlinatumomabDose(ma, ctx.mappings.units);
    events.add('BlinatumomabInfusion', { status: infusion, ...dose });
    return mapped(events.events);
  }
  if (!GIVEN.has(status)) {
    return mapped(
      [],
      [issue('information', 'informational', `${drug} with status ${shownStatus}: not given, no event`)],
    );
  }
  if (drug === 'tocilizumab') events.add('TocilizumabGiven', {});
  else if (drug === 'dexamethasone') events.add('SteroidGiven', { agent: 'dexamethasone' });
  else if (drug === 'car-t') events.add('CarT', {});
  else if (VASOPRESSORS.has(drug)) events.add('VasopressorGiven', { agent: drug as Vasopressor });
  return mapped(events.events);
}

/**
 * MedicationRequest: an order is not an administration, so it never produces infusion events (a
 * course is assembled from what was given). A request for a target drug is `ignored` with an issue
 * saying so, so a feed that sends only orders is visible in the counts.
 */
export function mapMedicationRequest(mr: MedicationRequest, ctx: MappingContext): MappingResult {
  if (mr.status === 'entered-in-error') return retracted('MedicationRequest');
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const med = identifyMedication(mr, ctx, scope);
  if (med.match)
    return ignored(
      `MedicationRequest for ${med.match.concept}: orders are not administrations; send MedicationAdministration`,
    );
  return ignored(
    `MedicationRequest: not a target drug (${med.codes.map(codesOf).join('; ') || '(no coding)'})`,
  );
}
