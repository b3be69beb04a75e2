/** Toxicity grade (1–5) from a grade extension (URL matched by data: gradeExtensionUrlPattern). */
import type { Extension } from '@medplum/fhirtypes';
import type { TextPattern } from './text-pattern';

function gradeOf(v: unknown): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' ? Number(/([1-5])\s*$/.exec(v.trim())?.[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
}

export function gradeFromExtensions(
  extensions: Extension[] | undefined,
  url: TextPattern,
): number | undefined {
  for (const e of Array.isArray(extensions) ? extensions : []) {
    if (typeof e?.url !== 'string' || !url.test(e.url)) continue;
    const cc = e.valueCodeableConcept;
    const candidates = [
      e.valueInteger,
      e.valuePositiveInt,
      e.valueString,
      e.valueCode,
      ...(Array.isArray(cc?.coding) ? cc.coding.map((c) => c?.code) : []),
      cc?.text,
    ];
    for (const c of candidates) {
      const g = gradeOf(c);
      if (g !== undefined) return g;
    }
  }
  return undefined;
}
