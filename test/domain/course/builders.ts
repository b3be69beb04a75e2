/**
 * A small builder for one patient's clinical events, shared by the course (and flag) tests.
 * Every event gets its own source resource id and an eventId in the mapping's format
 * (`<ResourceType>/<id>#<kind>`), so the events look like what src/mapping emits.
 */
import type {
  BlinatumomabInfusion,
  ClinicalEvent,
  Comparator,
  CountAnalyte,
  InfusionStatus,
  MrdResult,
  ToxicityKind,
} from '../../../src/domain/events';
import { DAY_MS, toMs } from '../../../src/domain/time';

/** ISO date `n` days after the date `start` (YYYY-MM-DD). */
export function plusDays(start: string, n: number): string {
  return new Date(toMs(start.slice(0, 10)) + n * DAY_MS).toISOString().slice(0, 10);
}

export interface Rate {
  mcgPerDay?: number;
  mcgPerM2PerDay?: number;
}

export interface InfusionInput extends Rate {
  at: string;
  end?: string;
  status?: InfusionStatus;
}

export class Timeline {
  private readonly list: ClinicalEvent[] = [];
  private n = 0;

  constructor(readonly patient = 'hospa.12345') {}

  private base(resourceType: string, kind: string, at: string, end?: string) {
    this.n += 1;
    const id = `${this.patient}.${resourceType.toLowerCase()}-${this.n}`;
    return {
      eventId: `${resourceType}/${id}#${kind}`,
      patient: this.patient,
      source: { resourceType, id },
      at,
      ...(end !== undefined ? { end } : {}),
    };
  }

  private add<E extends ClinicalEvent>(e: E): E {
    this.list.push(e);
    return e;
  }

  infusion(input: InfusionInput): BlinatumomabInfusion {
    return this.add({
      ...this.base('MedicationAdministration', 'BlinatumomabInfusion', input.at, input.end),
      kind: 'BlinatumomabInfusion',
      status: input.status ?? 'completed',
      ...(input.mcgPerDay !== undefined ? { mcgPerDay: input.mcgPerDay } : {}),
      ...(input.mcgPerM2PerDay !== undefined ? { mcgPerM2PerDay: input.mcgPerM2PerDay } : {}),
    });
  }

  /**
   * One 24-h bag a day for `days` days from `startDate` (YYYY-MM-DD), hung at `time` (UTC). With
   * `time: null` the bags are charted by date only, without an end.
   */
  daily(startDate: string, days: number, rate: Rate, time: string | null = '08:00'): BlinatumomabInfusion[] {
    const out: BlinatumomabInfusion[] = [];
    for (let i = 0; i < days; i++) {
      const d = plusDays(startDate, i);
      if (time === null) out.push(this.infusion({ at: d, ...rate }));
      else out.push(this.infusion({ at: `${d}T${time}:00Z`, end: `${plusDays(d, 1)}T${time}:00Z`, ...rate }));
    }
    return out;
  }

  /** One bag of `hours` hours from `at` (a dateTime). */
  bag(at: string, hours: number, rate: Rate, status: InfusionStatus = 'completed'): BlinatumomabInfusion {
    const end = new Date(toMs(at) + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
    return this.infusion({ at, end, status, ...rate });
  }

  marrow(at: string, percent: number) {
    return this.add({ ...this.base('Observation', 'MarrowBlasts', at), kind: 'MarrowBlasts', percent });
  }

  count(at: string, analyte: CountAnalyte, value10e9PerL: number) {
    return this.add({
      ...this.base('Observation', 'CountResult', at),
      kind: 'CountResult',
      analyte,
      value10e9PerL,
    });
  }

  /** Platelets and ANC on the same day. */
  counts(at: string, platelets: number, anc: number) {
    return [this.count(at, 'platelets', platelets), this.count(at, 'anc', anc)];
  }

  mrd(
    at: string,
    r: { fraction?: number; comparator?: Comparator; detected?: boolean; sensitivity?: number } = {},
  ): MrdResult {
    return this.add({
      ...this.base('Observation', 'MrdResult', at),
      kind: 'MrdResult',
      detected: r.detected ?? (r.fraction === undefined || r.fraction > 0),
      ...(r.fraction !== undefined ? { fraction: r.fraction } : {}),
      ...(r.comparator !== undefined ? { comparator: r.comparator } : {}),
      ...(r.sensitivity !== undefined ? { sensitivity: r.sensitivity } : {}),
      specimen: 'bone-marrow',
    });
  }

  peripheralBlasts(at: string, percent: number) {
    return this.add({
      ...this.base('Observation', 'PeripheralBlasts', at),
      kind: 'PeripheralBlasts',
      percent,
    });
  }

  toxicity(at: string, toxicity: ToxicityKind, grade?: number) {
    return this.add({
      ...this.base('Condition', 'Toxicity', at),
      kind: 'Toxicity',
      toxicity,
      ...(grade !== undefined ? { grade } : {}),
    });
  }

  hsct(at: string, transplantType: 'allogeneic' | 'autologous' | 'unknown' = 'allogeneic') {
    return this.add({ ...this.base('Procedure', 'Hsct', at), kind: 'Hsct', transplantType });
  }

  carT(at: string) {
    return this.add({ ...this.base('Procedure', 'CarT', at), kind: 'CarT' });
  }

  diagnosis(at: string, flags: { relapse?: boolean; remission?: boolean } = {}) {
    return this.add({
      ...this.base('Condition', 'Diagnosis', at),
      kind: 'Diagnosis',
      relapse: flags.relapse ?? false,
      remission: flags.remission ?? false,
    });
  }

  extramedullary(at: string, opts: { cnsStatus?: 'CNS2' | 'CNS3'; myeloidSarcoma?: boolean } = {}) {
    return this.add({
      ...this.base('Condition', 'ExtramedullaryDisease', at),
      kind: 'ExtramedullaryDisease',
      myeloidSarcoma: opts.myeloidSarcoma ?? false,
      ...(opts.cnsStatus !== undefined ? { cnsStatus: opts.cnsStatus } : {}),
    });
  }

  myeloid(at: string, form: 'aml' | 'myeloid-sarcoma') {
    return this.add({ ...this.base('Condition', 'MyeloidDisease', at), kind: 'MyeloidDisease', form });
  }

  diseaseStatus(at: string, status: 'improved' | 'stable' | 'worsened' | 'full-remission') {
    return this.add({ ...this.base('Observation', 'DiseaseStatus', at), kind: 'DiseaseStatus', status });
  }

  /** Any other event kind, for tests that need it. */
  other(e: ClinicalEvent): ClinicalEvent {
    return this.add(e);
  }

  events(): ClinicalEvent[] {
    return [...this.list];
  }
}

/** A full 28-day cycle at `mcgPerDay` from `startDate`, with an end-of-cycle CR and MRD result. */
export function fullCycle(t: Timeline, startDate: string, rate: Rate, mrd?: Parameters<Timeline['mrd']>[1]) {
  const bags = t.daily(startDate, 28, rate);
  t.marrow(plusDays(startDate, 28), 1);
  t.counts(plusDays(startDate, 28), 150, 2);
  if (mrd) t.mrd(plusDays(startDate, 28), mrd);
  return bags;
}

/** Fails on an `undefined` value or an empty array anywhere in a rendered resource. */
export function assertJsonClean(value: unknown, path = '$'): void {
  if (value === undefined) throw new Error(`undefined at ${path}`);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new Error(`empty array at ${path}`);
    value.forEach((v, i) => assertJsonClean(v, `${path}[${i}]`));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertJsonClean(v, `${path}.${k}`);
  }
}
