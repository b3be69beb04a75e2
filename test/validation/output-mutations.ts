/**
 * Outputs to compare validation paths on: every course and flag derived from the seed fixtures, the
 * minimal course and flag, each failing example of profile-rule-cases.ts, and mutations that break
 * one structural rule each (cardinality, JSON type, unknown property, format, invariant, slice,
 * null/empty values, primitive extensions, conflicting choices, reference targets, contained
 * resources), applied to every seed output they fit.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { seedOutputs } from '../ui/seed-outputs';
import { minimalCourse, minimalFlag } from './profile-fixtures';
import { courseRules, flagRules } from './profile-rule-cases';
import { clone } from './medplum-outcome';

type Json = Record<string, unknown>;
export interface Case {
  name: string;
  resource: Resource;
  /** The profile the output claims before any mutation (a mutation may break `meta` itself). */
  profile: string;
}

const profileOf = (r: Resource): string => r.meta?.profile?.[0] ?? '';

/** Every course and flag of every seed fixture (the JSON the store would hold). */
export function seedDerivedOutputs(): Case[] {
  const dir = path.join(__dirname, '..', 'fixtures', 'seeds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const { courses, flags } = seedOutputs(file);
      return [...courses, ...flags].map((r, i) => ({
        name: `${file} #${i} ${r.resourceType}`,
        resource: clone(r),
        profile: profileOf(r),
      }));
    });
}

const exts = (r: Json): Json[] => (Array.isArray(r.extension) ? (r.extension as Json[]) : []);
/** The first extension of `r` with sub-extensions (a cycle, the dose basis…). */
const complex = (r: Json): Json | undefined => exts(r).find((e) => Array.isArray(e.extension));
/** The first sub-extension with a value, under the first complex extension. */
const leaf = (r: Json): Json | undefined =>
  (complex(r)?.extension as Json[] | undefined)?.find((s) =>
    Object.keys(s).some((k) => k.startsWith('value')),
  );
const valueKey = (e: Json): string => Object.keys(e).find((k) => k.startsWith('value')) as string;
const repeat = (r: Json): Json | undefined =>
  ((r.dosage as Json[] | undefined)?.[0]?.timing as Json | undefined)?.repeat as Json | undefined;
const refField = (r: Json): string => (r.resourceType === 'MedicationStatement' ? 'subject' : 'patient');

/** Each returns false when it does not fit the resource (nothing to break there). */
const MUTATIONS: [string, (r: Json) => boolean | void][] = [
  ['status as an array', (r) => void (r.status = [r.status])],
  ['identifier as an object', (r) => void (r.identifier = (r.identifier as Json[])[0])],
  ['a required element dropped', (r) => void delete r.identifier],
  ['an unknown property', (r) => void (r.colour = 'blue')],
  ['an unknown property inside an extension', (r) => void (exts(r)[0].colour = 'blue')],
  ['an unknown property in a nested datatype', (r) => void ((r[refField(r)] as Json).colour = 'blue')],
  ['status as a number', (r) => void (r.status = 42)],
  ['status with a leading space', (r) => void (r.status = ` ${String(r.status)}`)],
  ['id with a space', (r) => void (r.id = 'bad id')],
  ['a whitespace-only string', (r) => void (exts(r)[0][valueKey(exts(r)[0])] = '   ')],
  ['an empty string', (r) => void (r.id = '')],
  ['null', (r) => void (r.status = null)],
  ['null in an array', (r) => void (r.extension = [...exts(r), null])],
  ['an empty array', (r) => void (r.identifier = [])],
  ['an empty object', (r) => void (r.meta = {})],
  ['a primitive extension', (r) => void (r._status = { extension: [{ url: 'urn:x', valueString: 'y' }] })],
  ['resourceType inside an extension', (r) => void (exts(r)[0].resourceType = 'Basic')],
  ['a contained resource', (r) => void (r.contained = [{ resourceType: 'Patient', id: 'p' }])],
  ['an extension without url', (r) => void delete exts(r)[0].url],
  [
    'an extension with both a value and sub-extensions (ext-1)',
    (r) => {
      const e = complex(r);
      if (!e) return false;
      e.valueString = 'x';
    },
  ],
  [
    'an extension with neither value nor sub-extensions (ext-1)',
    (r) => void delete exts(r)[0][valueKey(exts(r)[0])],
  ],
  ['two value[x] on one extension', (r) => void (exts(r)[0].valueBoolean = true)],
  ['a value[x] of an unknown type', (r) => void (exts(r)[0].valueFoo = 1)],
  [
    'an extension value as an array',
    (r) => void (exts(r)[0][valueKey(exts(r)[0])] = [exts(r)[0][valueKey(exts(r)[0])]]),
  ],
  [
    'a sub-extension value of the wrong JSON type',
    (r) => {
      const s = leaf(r);
      if (!s) return false;
      s[valueKey(s)] = { nested: true };
    },
  ],
  [
    'a sub-extension outside the closed slicing',
    (r) => {
      const e = complex(r);
      if (!e) return false;
      (e.extension as Json[]).push({ url: 'colour', valueString: 'blue' });
    },
  ],
  ['a positiveInt of 0', (r) => void (r.extension = [...exts(r), { url: 'urn:x', valuePositiveInt: 0 }])],
  [
    'an unsignedInt below 0',
    (r) => void (r.extension = [...exts(r), { url: 'urn:x', valueUnsignedInt: -1 }]),
  ],
  [
    'a decimal where an integer goes',
    (r) => void (r.extension = [...exts(r), { url: 'urn:x', valueInteger: 1.5 }]),
  ],
  [
    'a dateTime of month 13',
    (r) => void (r.extension = [...exts(r), { url: 'urn:x', valueDateTime: '2024-13-01' }]),
  ],
  ['the first slice duplicated', (r) => void (r.extension = [...exts(r), clone(exts(r)[0])])],
  ['the first slice removed', (r) => void (r.extension = exts(r).slice(1))],
  [
    'a second type for a choice element',
    (r) => {
      if (r.resourceType === 'MedicationStatement') r.effectiveDateTime = '2024-01-01';
      else r.identifiedPeriod = { start: '2024-01-01' };
    },
  ],
  [
    'a reference to a type the element does not take',
    (r) => void (r[refField(r)] = { reference: 'Medication/m1' }),
  ],
  [
    'a reference to a type no invariant looks at',
    (r) => {
      const field = r.resourceType === 'MedicationStatement' ? 'informationSource' : 'author';
      r[field] = { reference: 'Medication/m1' };
    },
  ],
  ['a conditional reference', (r) => void (r[refField(r)] = { reference: 'Patient?identifier=x' })],
  ['a contained reference', (r) => void (r[refField(r)] = { reference: '#p1' })],
  [
    'a timing duration without unit (tim-1)',
    (r) => {
      const rep = repeat(r);
      if (!rep) return false;
      rep.duration = 1;
    },
  ],
  [
    'a timing duration with its unit',
    (r) => {
      const rep = repeat(r);
      if (!rep) return false;
      Object.assign(rep, { duration: 1, durationUnit: 'h' });
    },
  ],
  [
    'a medication coding off the pattern',
    (r) => {
      const m = r.medicationCodeableConcept as { coding?: Json[] } | undefined;
      if (!m?.coding) return false;
      m.coding[0].code = '000';
    },
  ],
];

function mutated(base: Case): Case[] {
  return MUTATIONS.flatMap(([name, mutate]) => {
    const resource = clone(base.resource) as unknown as Json;
    try {
      if (mutate(resource) === false) return [];
    } catch {
      return []; // the path does not exist in this resource
    }
    return [
      { name: `${base.name}: ${name}`, resource: resource as unknown as Resource, profile: base.profile },
    ];
  });
}

/** Outputs that conform: the seed outputs and the minimal course and flag. */
export function validOutputs(): Case[] {
  return [
    { name: 'minimal course', resource: minimalCourse(), profile: profileOf(minimalCourse()) },
    { name: 'minimal flag', resource: minimalFlag(), profile: profileOf(minimalFlag()) },
    ...seedDerivedOutputs(),
  ];
}

/** The failing examples of the profile rules and every structural mutation of every valid output. */
export function brokenOutputs(): Case[] {
  const rules = [
    ...courseRules.map(({ rule, mutate }) => {
      const c = minimalCourse();
      mutate(c);
      return { name: `course rule ${rule}`, resource: c as Resource, profile: profileOf(minimalCourse()) };
    }),
    ...flagRules.map(({ rule, mutate }) => {
      const f = minimalFlag();
      mutate(f);
      return { name: `flag rule ${rule}`, resource: f as Resource, profile: profileOf(minimalFlag()) };
    }),
  ];
  return [...rules, ...validOutputs().flatMap(mutated)];
}
