/**
 * Numeric laboratory results: blasts, ferritin, blood counts, liver and HLH chemistry, temperature.
 * Each converts with the unit rules of mappings/units.json or throws Unmappable naming the element.
 */
import type { Quantity } from '@medplum/fhirtypes';
import type { BodyMeasure, ChemistryAnalyte, CountAnalyte, LiverAnalyte } from '../domain/events';
import type { ObservationEnv, ObservationUnit } from './observation-env';
import { Unmappable } from './result';
import { convert, factorFor, quantityUnits, readNumeric, tidy, type NumericValue } from './units';
import type { ConceptId } from './types';

function numeric(u: ObservationUnit, what: string): NumericValue {
  const n = readNumeric(u.holder, u.path);
  if (!n) throw new Unmappable(`${u.path}.value[x]`, `${what}: no numeric value`);
  return n;
}

/** The unit as charted (UCUM code preferred), for analytes kept in their own unit. */
function chartedUnit(u: ObservationUnit, n: NumericValue, what: string): string {
  const q = u.holder.valueQuantity;
  const raw = [q?.code, q?.unit].find((x): x is string => typeof x === 'string' && x.trim() !== '');
  const unit = raw?.trim() ?? n.units[0];
  if (!unit) throw new Unmappable(`${n.path}${q ? '.unit' : ''}`, `${what}: no unit`);
  return unit;
}

function upperLimit(u: ObservationUnit, n: NumericValue): number | undefined {
  // Reference ranges sit on the Observation (or the component) the value belongs to.
  const ranges = (u.holder as { referenceRange?: { high?: Quantity }[] }).referenceRange;
  const high = Array.isArray(ranges)
    ? ranges.find((r) => typeof r?.high?.value === 'number')?.high
    : undefined;
  if (!high || typeof high.value !== 'number') return undefined;
  const hu = quantityUnits(high);
  // A limit in another unit is not comparable: drop it rather than convert silently.
  if (hu.length > 0 && n.units.length > 0 && !hu.some((x) => n.units.includes(x))) return undefined;
  return high.value;
}

const COUNT: Partial<Record<ConceptId, CountAnalyte>> = { wbc: 'wbc', platelets: 'platelets', anc: 'anc' };
const LIVER: Partial<Record<ConceptId, LiverAnalyte>> = {
  ast: 'ast',
  alt: 'alt',
  ldh: 'ldh',
  bilirubin: 'bilirubin',
};
const CHEM: Partial<Record<ConceptId, ChemistryAnalyte>> = {
  fibrinogen: 'fibrinogen',
  triglycerides: 'triglycerides',
};

const BODY: Partial<
  Record<ConceptId, { measure: BodyMeasure; what: string; table?: 'heightCm' | 'weightKg' }>
> = {
  'body-surface-area': { measure: 'bsa', what: 'body surface area' },
  'body-height': { measure: 'height', what: 'body height', table: 'heightCm' },
  'body-weight': { measure: 'weight', what: 'body weight', table: 'weightKg' },
};

function bsaValue(env: ObservationEnv, n: NumericValue): number {
  if (!n.units.some((x) => env.units.bodySurfaceArea.has(x)))
    throw new Unmappable(
      `${n.path}${n.path.endsWith('Quantity') ? '.unit' : ''}`,
      'body surface area: unit is not m2',
    );
  return n.value;
}

/** Handles the numeric lab concepts; returns false when the concept is not one of them. */
export function mapLab(env: ObservationEnv, u: ObservationUnit): boolean {
  const { units, events } = env;
  const c = u.match.concept;
  if (c === 'marrow-blasts') {
    const n = numeric(u, 'marrow blasts');
    events.add('MarrowBlasts', {
      percent: tidy(convert(units.percent, n, 'marrow blasts')),
      comparator: n.comparator,
    });
    return true;
  }
  if (c === 'peripheral-blasts') {
    const n = numeric(u, 'peripheral blasts');
    const pf = factorFor(units.percent, n.units);
    const cf = factorFor(units.count10e9PerL, n.units);
    if (pf !== undefined)
      events.add('PeripheralBlasts', { percent: tidy(n.value * pf), comparator: n.comparator });
    else if (cf !== undefined)
      events.add('PeripheralBlasts', { count10e9PerL: tidy(n.value * cf), comparator: n.comparator });
    else
      throw new Unmappable(
        `${n.path}${u.holder.valueQuantity ? '.unit' : ''}`,
        'peripheral blasts: unit is neither % nor a count',
      );
    return true;
  }
  if (c === 'ferritin') {
    events.add('Ferritin', {
      ngPerMl: tidy(convert(units.ferritinNgPerMl, numeric(u, 'ferritin'), 'ferritin')),
    });
    return true;
  }
  const count = COUNT[c];
  if (count) {
    const v = convert(units.count10e9PerL, numeric(u, count), count);
    events.add('CountResult', { analyte: count, value10e9PerL: tidy(v) });
    return true;
  }
  const liver = LIVER[c];
  if (liver) {
    const n = numeric(u, liver);
    events.add('LiverEnzyme', {
      analyte: liver,
      value: n.value,
      unit: chartedUnit(u, n, liver),
      uln: upperLimit(u, n),
    });
    return true;
  }
  const chem = CHEM[c];
  if (chem) {
    const n = numeric(u, chem);
    events.add('ChemistryResult', { analyte: chem, value: n.value, unit: chartedUnit(u, n, chem) });
    return true;
  }
  const body = BODY[c];
  if (body) {
    const n = numeric(u, body.what);
    const value = body.measure === 'bsa' ? bsaValue(env, n) : convert(units[body.table!], n, body.what);
    if (!(value > 0)) throw new Unmappable(n.path, `${body.what}: must be positive`);
    events.add('BodyMeasurement', { measure: body.measure, value: tidy(value) });
    return true;
  }
  if (c === 'body-temperature') {
    const n = numeric(u, 'temperature');
    let celsius: number;
    if (n.units.some((x) => units.celsius.has(x))) celsius = n.value;
    else if (n.units.some((x) => units.fahrenheit.has(x))) celsius = ((n.value - 32) * 5) / 9;
    else
      throw new Unmappable(
        `${n.path}${u.holder.valueQuantity ? '.unit' : ''}`,
        'temperature: unit is neither °C nor °F',
      );
    events.add('Temperature', { celsius: Math.round(celsius * 100) / 100 });
    return true;
  }
  return false;
}
