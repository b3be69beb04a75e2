/**
 * Property: mapResource never throws, on arbitrary JSON-ish resources of the mapped types (mixing
 * meaningful codes, units and texts with garbage at every field), and is deterministic.
 */
import fc from 'fast-check';
import type { Resource } from '@medplum/fhirtypes';
import { mapResource, MAPPED_RESOURCE_TYPES } from '../../src/mapping';
import { mappings, workerResolve } from './helpers';

const knownCodings = [...mappings.codings.keys()].map((k) => {
  const i = k.lastIndexOf('|');
  return { system: k.slice(0, i), code: k.slice(i + 1) };
});

const junk = fc.anything({ maxDepth: 2 });
const or = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: junk });

const coding = or(
  fc.oneof(
    fc.constantFrom(...knownCodings),
    fc.record({ system: fc.string(), code: fc.string(), display: fc.string() }, { requiredKeys: [] }),
  ),
);
const texts = fc.constantFrom(
  'MRD',
  'CD19 on blasts',
  'positive for CD10, CD19',
  'negative for CD19',
  'CD19 dim',
  '<0.01%',
  '1e-4',
  '0.001',
  'not detected',
  'CNS2',
  'CNS status',
  'KMT2A rearranged',
  'Cytokine release syndrome',
  'ICANS',
  'HLH',
  'CAR-T',
  'Kymriah',
  'high flow',
  'CPAP',
  'allogeneic',
  'bone marrow',
  'CSF',
  'Present',
  'Absent',
  'dim, 80%',
  '',
);
const text = or(fc.oneof(texts, fc.string()));
const cc = or(fc.record({ coding: or(fc.array(coding, { maxLength: 3 })), text }, { requiredKeys: [] }));
const unit = or(
  fc.oneof(
    fc.constantFrom(
      '%',
      '1',
      '10*-4',
      'ug/d',
      'ug/(m2.d)',
      'mcg/m2/d',
      'ug',
      'ug/m2',
      'mg',
      'mL/h',
      '10*9/L',
      '/uL',
      '[degF]',
      'Cel',
      'L/min',
      'ng/mL',
      'U/L',
    ),
    fc.string(),
  ),
);
const quantity = or(
  fc.record(
    {
      value: or(fc.oneof(fc.double(), fc.integer({ min: -5, max: 500 }))),
      unit,
      code: unit,
      comparator: or(fc.constantFrom('<', '<=', '>', '>=', 'ad')),
    },
    { requiredKeys: [] },
  ),
);
const time = or(
  fc.constantFrom('2024-01-01', '2024-01-01T08:00:00Z', '2024-01-03T08:00:00+01:00', '2024', 'not a date'),
);
const period = or(fc.record({ start: time, end: time }, { requiredKeys: [] }));
const reference = or(
  fc.record(
    { reference: or(fc.constantFrom('Patient/p1', '#m1', '#s1', 'Medication/m2', 'Group/g', 'Patient/')) },
    { requiredKeys: [] },
  ),
);
const valueFields = {
  valueQuantity: quantity,
  valueString: text,
  valueCodeableConcept: cc,
  valueBoolean: or(fc.boolean()),
  valueInteger: or(fc.integer()),
  dataAbsentReason: cc,
};
const component = or(
  fc.record(
    { code: cc, ...valueFields, referenceRange: or(fc.array(or(fc.record({ high: quantity })))) },
    { requiredKeys: [] },
  ),
);
const contained = or(
  fc.array(
    or(
      fc.oneof(
        fc.record({
          resourceType: fc.constant('Medication'),
          id: fc.constant('m1'),
          code: cc,
          ingredient: or(fc.array(or(fc.record({ itemCodeableConcept: cc })))),
        }),
        fc.record({ resourceType: fc.constant('Specimen'), id: fc.constant('s1'), type: cc }),
      ),
    ),
    { maxLength: 2 },
  ),
);
const status = or(
  fc.constantFrom(
    'completed',
    'final',
    'entered-in-error',
    'not-done',
    'on-hold',
    'stopped',
    'in-progress',
    'unknown',
    'cancelled',
    'preparation',
  ),
);

const resourceArb = fc.record(
  {
    resourceType: fc.constantFrom(...MAPPED_RESOURCE_TYPES, 'Patient', 'Bundle'),
    id: or(fc.constantFrom('r1', 'src.r-2')),
    meta: or(fc.record({ versionId: or(fc.constant('2')) }, { requiredKeys: [] })),
    status,
    code: cc,
    event: cc,
    actuality: or(fc.constantFrom('actual', 'potential')),
    medicationCodeableConcept: cc,
    medicationReference: reference,
    contained,
    subject: reference,
    specimen: reference,
    bodySite: or(fc.oneof(fc.array(cc, { maxLength: 2 }), cc)),
    method: cc,
    category: cc,
    ...valueFields,
    component: or(fc.array(component, { maxLength: 3 })),
    referenceRange: or(fc.array(or(fc.record({ high: quantity })))),
    effectiveDateTime: time,
    effectivePeriod: period,
    onsetDateTime: time,
    recordedDate: time,
    performedDateTime: time,
    performedPeriod: period,
    date: time,
    verificationStatus: cc,
    clinicalStatus: cc,
    extension: or(
      fc.array(
        or(
          fc.record(
            {
              url: or(fc.constantFrom('http://x/ctcae-grade', 'http://x/other')),
              valueInteger: or(fc.integer()),
              valueCodeableConcept: cc,
            },
            { requiredKeys: [] },
          ),
        ),
      ),
    ),
    dosage: or(
      fc.record(
        {
          rateQuantity: quantity,
          dose: quantity,
          rateRatio: or(fc.record({ numerator: quantity, denominator: quantity }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['resourceType'] },
);

const STATUSES = ['mapped', 'ignored', 'retracted', 'error'];

it('mapResource never throws, always answers a valid result, and is deterministic', () => {
  fc.assert(
    fc.property(resourceArb, junk, (r, resolved) => {
      const unlisted: string[] = [];
      const resolve = workerResolve(r as unknown as Resource, () => resolved as Resource, unlisted);
      const ctx = { source: 'example-hospital', mappings, resolve };
      const a = mapResource(r as unknown as Resource, ctx);
      const b = mapResource(r as unknown as Resource, ctx);
      expect(unlisted).toEqual([]);
      expect(STATUSES).toContain(a.status);
      if (a.status !== 'mapped') expect(a.events).toEqual([]);
      if (a.status === 'error') expect(a.issues[0]?.severity).toBe('error');
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }),
    { numRuns: 2000 },
  );
});

it('mapResource never throws on entirely arbitrary values', () => {
  fc.assert(
    fc.property(fc.anything(), (x) => {
      const r = mapResource(x as Resource, { source: 's', mappings });
      expect(STATUSES).toContain(r.status);
    }),
    { numRuns: 500 },
  );
});
