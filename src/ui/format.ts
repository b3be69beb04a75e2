/**
 * Words and symbols shared by the pages: escaping, dose and MRD labels, and the colour-plus-shape
 * legend for severities and responses (colour alone must never carry the meaning: print, colour
 * blindness).
 */
import type { CycleView, DoseStepView, FlagView } from './model';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML and SVG content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const trim = (v: number) => String(Number(v.toPrecision(3)));

export function doseLabel(step: DoseStepView): string {
  const parts: string[] = [];
  if (step.mcgPerDay !== undefined) parts.push(`${trim(step.mcgPerDay)} mcg/d`);
  if (step.mcgPerM2PerDay !== undefined) parts.push(`${trim(step.mcgPerM2PerDay)} mcg/m²/d`);
  if (parts.length === 0) return 'dose not normalised';
  return parts.length > 1 ? `${parts[0]} (${parts[1]})` : parts[0];
}

const COMPARATOR_TEXT: Record<string, string> = { '<': '<', '<=': '≤', '>=': '≥', '>': '>' };

/** MRD as charted in percent, with its comparator: "MRD <0.01%", "MRD 0.15%". */
export function mrdLabel(c: Pick<CycleView, 'mrdFraction' | 'mrdComparator' | 'mrdResponse'>): string {
  if (c.mrdFraction === undefined) {
    return c.mrdResponse === 'not-assessed' ? 'MRD not assessed' : `MRD ${c.mrdResponse}`;
  }
  const cmp = c.mrdComparator ? (COMPARATOR_TEXT[c.mrdComparator] ?? c.mrdComparator) : '';
  return `MRD ${cmp}${trim(c.mrdFraction * 100)}%`;
}

export const RESPONSE_TEXT: Record<string, string> = {
  CR: 'CR',
  CRh: 'CRh',
  CRi: 'CRi',
  'no-response': 'no response',
  'not-assessed': 'not assessed',
};

export const responseText = (category: string): string => RESPONSE_TEXT[category] ?? category;

export type Shape = 'triangle' | 'diamond' | 'circle' | 'square' | 'cross' | 'ring' | 'bar' | 'star';

/** Severity: shape and colour both say it (high ▲ red, moderate ◆ orange, low ● blue). */
export const SEVERITY_STYLE: Record<FlagView['severity'], { shape: Shape; colour: string; symbol: string }> =
  {
    high: { shape: 'triangle', colour: '#c0392b', symbol: '▲' },
    moderate: { shape: 'diamond', colour: '#d35400', symbol: '◆' },
    low: { shape: 'circle', colour: '#2471a3', symbol: '●' },
  };

export const RESPONSE_STYLE: Record<string, { shape: Shape; colour: string }> = {
  CR: { shape: 'circle', colour: '#1e8449' },
  CRh: { shape: 'circle', colour: '#52be80' },
  CRi: { shape: 'circle', colour: '#a9dfbf' },
  'no-response': { shape: 'cross', colour: '#922b21' },
  'not-assessed': { shape: 'ring', colour: '#7f8c8d' },
};

export const LINK_STYLE: Record<string, { shape: Shape; colour: string; text: string; short: string }> = {
  hsct: { shape: 'square', colour: '#6c3483', text: 'HSCT', short: 'HSCT' },
  'cd19-therapy': { shape: 'star', colour: '#117864', text: 'CD19-directed therapy (CAR-T)', short: 'CAR-T' },
  relapse: { shape: 'bar', colour: '#922b21', text: 'Relapse', short: 'relapse' },
  toxicity: { shape: 'bar', colour: '#b9770e', text: 'Toxicity', short: 'tox' },
  diagnosis: { shape: 'bar', colour: '#34495e', text: 'Diagnosis', short: 'Dx' },
};

export const INDICATION_TEXT: Record<string, string> = {
  'relapsed-refractory': 'relapsed/refractory',
  'mrd-positive': 'MRD-positive',
  unknown: 'indication unknown',
};

export function percent(numerator: number, denominator: number): string {
  return denominator === 0 ? '–' : `${((numerator / denominator) * 100).toFixed(0)}%`;
}

/** SVG path of a mark centred on (x, y), radius r. */
export function shapePath(shape: Shape, x: number, y: number, r: number): string {
  const f = (v: number) => String(Math.round(v * 10) / 10);
  switch (shape) {
    case 'triangle':
      return `M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y + r * 0.8)}L${f(x - r)} ${f(y + r * 0.8)}Z`;
    case 'diamond':
      return `M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y)}L${f(x)} ${f(y + r)}L${f(x - r)} ${f(y)}Z`;
    case 'square':
      return `M${f(x - r * 0.8)} ${f(y - r * 0.8)}h${f(r * 1.6)}v${f(r * 1.6)}h${f(-r * 1.6)}Z`;
    case 'cross':
      return `M${f(x - r)} ${f(y - r)}L${f(x + r)} ${f(y + r)}M${f(x + r)} ${f(y - r)}L${f(x - r)} ${f(y + r)}`;
    case 'bar':
      return `M${f(x - 1.5)} ${f(y - r * 1.4)}h3v${f(r * 2.8)}h-3Z`;
    case 'star': {
      const pts: string[] = [];
      for (let i = 0; i < 10; i++) {
        const a = (Math.PI / 5) * i - Math.PI / 2;
        const rr = i % 2 === 0 ? r : r * 0.45;
        pts.push(`${f(x + rr * Math.cos(a))} ${f(y + rr * Math.sin(a))}`);
      }
      return `M${pts.join('L')}Z`;
    }
    case 'ring':
    case 'circle':
    default:
      return `M${f(x - r)} ${f(y)}a${f(r)} ${f(r)} 0 1 0 ${f(2 * r)} 0a${f(r)} ${f(r)} 0 1 0 ${f(-2 * r)} 0Z`;
  }
}
