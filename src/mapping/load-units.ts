/** Builds the indexed unit rules from mappings/units.json (already schema-checked). */
import { normUnit } from './keys';
import type { FactorTable, UnitRules } from './types';
import { compileTextPattern } from './text-pattern';

type Raw = Record<string, unknown>;

function factorTable(raw: unknown, where: string, problems: string[]): FactorTable {
  const factors = new Map<string, number>();
  for (const row of (raw as { factors: { units: string[]; factor: number }[] }).factors) {
    for (const u of row.units) {
      const k = normUnit(u);
      const prev = factors.get(k);
      if (prev !== undefined && prev !== row.factor)
        problems.push(`${where}: unit ${u} listed with two factors`);
      factors.set(k, row.factor);
    }
  }
  return { factors };
}

const unitSet = (units: string[]) => new Set(units.map(normUnit));

export function buildUnitRules(u: Raw, file: string, problems: string[]): UnitRules {
  const table = (name: string) => factorTable(u[name], `${file}: ${name}`, problems);
  const mrd = u.mrdFraction as { powerOfTenUnit: string };
  let powerOfTenUnit = compileTextPattern('^$');
  try {
    powerOfTenUnit = compileTextPattern(mrd.powerOfTenUnit);
  } catch {
    problems.push(`${file}: mrdFraction.powerOfTenUnit is not a valid linear-time (RE2) regular expression`);
  }
  const temperature = u.temperature as { celsius: string[]; fahrenheit: string[] };
  const celsius = unitSet(temperature.celsius);
  const fahrenheit = unitSet(temperature.fahrenheit);
  for (const f of fahrenheit)
    if (celsius.has(f)) problems.push(`${file}: temperature unit ${f} is both °C and °F`);
  return {
    mrdFraction: { ...table('mrdFraction'), powerOfTenUnit },
    percent: table('percent'),
    count10e9PerL: table('count10e9PerL'),
    ferritinNgPerMl: table('ferritinNgPerMl'),
    oxygenFlowLPerMin: table('oxygenFlowLPerMin'),
    fio2Fraction: table('fio2Fraction'),
    doseMassUg: table('doseMassUg'),
    dosePeriodDays: table('dosePeriodDays'),
    celsius,
    fahrenheit,
    bodySurfaceArea: unitSet(u.bodySurfaceArea as string[]),
    heightCm: table('heightCm'),
    weightKg: table('weightKg'),
    oxygen: u.oxygen as UnitRules['oxygen'],
    bagPeriods: u.bagPeriods as UnitRules['bagPeriods'],
    cd19: u.cd19 as UnitRules['cd19'],
  };
}
