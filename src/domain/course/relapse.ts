/**
 * Relapse evidence in a patient's data, independent of courses (course boundaries and links both use it).
 *
 * - a Diagnosis coded as in relapse (ICD-10-CM C91.02 states relapse by itself);
 * - marrow blasts ≥ `remissionBlastPercent` while the patient was in remission: the most recent disease
 *   status before it was remission evidence (marrow blasts below the threshold, a Diagnosis coded in
 *   remission, or DiseaseStatus full-remission). Blasts ≥5% without a prior remission are refractory
 *   disease, not relapse; repeated high readings after one relapse are the same relapse;
 * - myeloid disease (AML, myeloid sarcoma) and extramedullary disease, whenever charted.
 *
 * Details name codes and numbers only, never charted free text (an extramedullary `site` is not echoed).
 */
import type { ClinicalEvent } from '../events';
import type { SourceRef } from '../source-ref';
import type { AssemblyConfig } from './config';
import { calendarDay, effectivePercent } from './patient-events';

export interface RelapseEvidence {
  at: string;
  day: number;
  detail: string;
  evidence: SourceRef[];
}

type DiseaseState = 'unknown' | 'remission' | 'disease';

/** `events` must be deduplicated and sorted (patient-events.ts). */
export function relapseEvidence(events: readonly ClinicalEvent[], config: AssemblyConfig): RelapseEvidence[] {
  const out: RelapseEvidence[] = [];
  let state: DiseaseState = 'unknown';
  const push = (e: ClinicalEvent, detail: string) =>
    out.push({ at: e.at, day: calendarDay(e.at), detail, evidence: [e.source] });
  for (const e of events) {
    switch (e.kind) {
      case 'MarrowBlasts':
        if ((effectivePercent(e) ?? 0) >= config.remissionBlastPercent) {
          if (state === 'remission') push(e, `marrow blasts ${e.percent}% after remission`);
          state = 'disease';
        } else state = 'remission';
        break;
      case 'Diagnosis':
        if (e.relapse) {
          push(e, 'diagnosis coded in relapse');
          state = 'disease';
        } else if (e.remission) state = 'remission';
        break;
      case 'DiseaseStatus':
        if (e.status === 'full-remission') state = 'remission';
        break;
      case 'MyeloidDisease':
        push(e, e.form === 'aml' ? 'AML' : 'myeloid sarcoma');
        break;
      case 'ExtramedullaryDisease':
        push(
          e,
          ['extramedullary disease', e.cnsStatus, e.myeloidSarcoma ? '(myeloid sarcoma)' : undefined]
            .filter((s) => s !== undefined)
            .join(' '),
        );
        break;
      default:
        break;
    }
  }
  return out;
}
