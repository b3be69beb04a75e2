/**
 * Procedure → Hsct (type from the coding's attribute, a qualifier coding or qualifier text, else
 * unknown), CarT, OxygenSupport (level from the coding, else device/mode text, else low-flow).
 * Planned (preparation) and not-done procedures are recognised with no event.
 */
import type { Procedure } from '@medplum/fhirtypes';
import type { Hsct, OxygenSupportLevel } from '../domain/events';
import { codesOf, conceptSet, matchConcept, textsOf } from './concepts';
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

const PROCEDURE_CONCEPTS = conceptSet('hsct', 'car-t', 'oxygen-support');
const TRANSPLANT_TYPES = conceptSet('transplant-allogeneic', 'transplant-autologous');
const LEVEL_ORDER: OxygenSupportLevel[] = ['low-flow', 'high-flow', 'positive-pressure'];
const NOT_PERFORMED = new Set(['preparation', 'not-done']);

export function mapProcedure(p: Procedure, ctx: MappingContext): MappingResult {
  if (p.status === 'entered-in-error') return retracted('Procedure');
  const scope = { mappings: ctx.mappings, source: ctx.source };
  const matches = matchConcept(p.code, PROCEDURE_CONCEPTS, scope);
  if (matches.length === 0) return ignored(`Procedure code ${codesOf(p.code)} is not a mapped concept`);
  if (NOT_PERFORMED.has(p.status as string)) {
    return mapped(
      [],
      [issue('information', 'informational', `Procedure ${String(p.status)}: not performed, no event`)],
    );
  }
  const patient = requirePatient(p.subject, 'Procedure.subject');
  const at = timeOf(p.performedDateTime) ?? timeOf(p.performedPeriod?.start);
  if (!at) throw new Unmappable('Procedure.performed[x]', 'no performed date', 'required');
  const events = new EventCollector(p, patient, at, timeOf(p.performedPeriod?.end));

  for (const m of matches) {
    if (m.concept === 'hsct') {
      let transplantType: Hsct['transplantType'] = m.attributes.transplantType ?? 'unknown';
      if (transplantType === 'unknown') {
        const q = [p.code, p.category].flatMap((cc) => matchConcept(cc, TRANSPLANT_TYPES, scope));
        const kinds = new Set(q.map((x) => x.concept));
        // Both named (e.g. "auto then allo"): do not choose.
        if (kinds.size === 1)
          transplantType = kinds.has('transplant-allogeneic') ? 'allogeneic' : 'autologous';
      }
      events.add('Hsct', { transplantType });
    } else if (m.concept === 'car-t') {
      events.add('CarT', {});
    } else if (m.concept === 'oxygen-support') {
      const texts = textsOf(p.code);
      const fromText = ctx.mappings.levelQualifiers.find((q) => texts.some((t) => q.regex.test(t)))?.level;
      // The higher of the coded level and the text's: a generic "oxygen therapy" code with "high flow" text is high-flow.
      const level = [m.attributes.level, fromText].reduce<OxygenSupportLevel>(
        (a, b) => (b && LEVEL_ORDER.indexOf(b) > LEVEL_ORDER.indexOf(a) ? b : a),
        'low-flow',
      );
      events.add('OxygenSupport', { level });
    }
  }
  return mapped(events.events);
}
