/**
 * Inputs to compare input validation paths on: Synthea-shaped resources (scripts/bench-workloads.ts),
 * and mutations that each break (or keep) one structural rule of the base R4 schema: cardinality,
 * JSON types, unknown keys, formats, null/empty values, primitive extensions `_name`, choice
 * conflicts, contained resources, references, extensions, invariants. A mutation that does not fit
 * a resource (nothing to break there) is skipped for it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { syntheaPatient } from '../../scripts/bench-workloads';
import { clone } from './medplum-outcome';

type Json = Record<string, unknown>;
export interface InputCase {
  name: string;
  resource: Resource;
}

/** Every resource of `patients` Synthea-shaped patients of `encounters` encounters each. */
export function syntheaInputs(patients: number, encounters: number): InputCase[] {
  const cases: InputCase[] = [];
  for (let p = 0; p < patients; p++) {
    for (const e of syntheaPatient(p, encounters).entry ?? []) {
      const r = e.resource as Resource;
      cases.push({ name: `synthea ${r.resourceType}/${r.id}`, resource: clone(r) });
    }
  }
  return cases;
}

const has = (r: Json, key: string): boolean => r[key] !== undefined;
/** The first key of `r` whose value is an object (or an array of objects), other than meta/text. */
const nestedObject = (r: Json): Json | undefined => {
  for (const [k, v] of Object.entries(r)) {
    if (k === 'meta' || k === 'text') continue;
    const first: unknown = Array.isArray(v) ? v[0] : v;
    if (first !== null && typeof first === 'object' && !Array.isArray(first)) return first as Json;
  }
  return undefined;
};
const choiceKey = (r: Json, prefix: string): string | undefined =>
  Object.keys(r).find(
    (k) => k.startsWith(prefix) && k.length > prefix.length && /[A-Z]/.test(k[prefix.length]),
  );
const codings = (r: Json): Json[] | undefined => (r.code as { coding?: Json[] } | undefined)?.coding;
const refKey = (r: Json): string | undefined =>
  ['subject', 'patient', 'encounter'].find((k) => (r[k] as Json | undefined)?.reference !== undefined);
const ext = (extra: Json): Json => ({ url: 'http://example.org/x', ...extra });

/** Each returns false when it does not fit the resource. */
export const INPUT_MUTATIONS: [string, (r: Json) => boolean | void][] = [
  ['status as an array', (r) => (has(r, 'status') ? void (r.status = [r.status]) : false)],
  ['status as a number', (r) => (has(r, 'status') ? void (r.status = 42) : false)],
  [
    'status with a leading space',
    (r) => (has(r, 'status') ? void (r.status = ` ${String(r.status)}`) : false),
  ],
  ['status dropped', (r) => (has(r, 'status') ? void delete r.status : false)],
  ['status null', (r) => (has(r, 'status') ? void (r.status = null) : false)],
  ['code dropped', (r) => (has(r, 'code') ? void delete r.code : false)],
  ['code.coding as an object', (r) => (codings(r) ? void ((r.code as Json).coding = codings(r)![0]) : false)],
  ['code.coding empty', (r) => (codings(r) ? void ((r.code as Json).coding = []) : false)],
  ['a coding with null in its array', (r) => (codings(r) ? void codings(r)!.push(null as never) : false)],
  ['a coding code with a space inside', (r) => (codings(r) ? void (codings(r)![0].code = 'a  b') : false)],
  [
    'a coding system that is no uri',
    (r) => (codings(r) ? void (codings(r)![0].system = 'http://x y') : false),
  ],
  ['a coding with an unknown key', (r) => (codings(r) ? void (codings(r)![0].colour = 'blue') : false)],
  ['id with a space', (r) => void (r.id = 'bad id')],
  ['id of 65 characters', (r) => void (r.id = 'a'.repeat(65))],
  ['an empty id', (r) => void (r.id = '')],
  ['a whitespace-only id', (r) => void (r.id = '   ')],
  ['an unknown property', (r) => void (r.colour = 'blue')],
  ['a key named like an Object.prototype member', (r) => void (r['constructor' as string] = 'x')],
  [
    'a key named toString in a nested datatype',
    (r) => {
      const o = nestedObject(r);
      if (!o) return false;
      o['toString' as string] = 'x';
    },
  ],
  [
    'an unknown property in a nested datatype',
    (r) => {
      const o = nestedObject(r);
      if (!o) return false;
      o.colour = 'blue';
    },
  ],
  [
    'resourceType inside a nested datatype',
    (r) => {
      const o = nestedObject(r);
      if (!o) return false;
      o.resourceType = 'Basic';
    },
  ],
  ['an empty object', (r) => void (r.meta = {})],
  ['an empty array', (r) => void (r.identifier = [])],
  ['null in an array', (r) => void (r.identifier = [{ value: 'x' }, null])],
  ['an identifier as an object', (r) => void (r.identifier = { value: 'x' })],
  ['a valid identifier', (r) => void (r.identifier = [{ system: 'urn:oid:1.2.3', value: 'x' }])],
  ['meta.lastUpdated as a date', (r) => void (r.meta = { lastUpdated: '2024-01-01' })],
  ['a valid meta', (r) => void (r.meta = { lastUpdated: '2024-01-01T00:00:00Z', versionId: '1' })],
  ['a primitive extension', (r) => void (r._id = { extension: [ext({ valueString: 'y' })] })],
  [
    'a primitive extension on status',
    (r) => (has(r, 'status') ? void (r._status = { extension: [ext({ valueString: 'y' })] }) : false),
  ],
  [
    'a primitive extension without a value',
    (r) =>
      has(r, 'status')
        ? void ((r._status = { extension: [ext({ valueString: 'y' })] }), delete r.status)
        : false,
  ],
  ['a primitive extension null', (r) => void (r._id = null)],
  ['a primitive extension of the wrong type', (r) => void (r._id = 'x')],
  ['a valid extension', (r) => void (r.extension = [ext({ valueString: 'y' })])],
  ['an extension without url', (r) => void (r.extension = [{ valueString: 'y' }])],
  [
    'an extension with a value and sub-extensions (ext-1)',
    (r) => void (r.extension = [ext({ valueString: 'y', extension: [ext({ valueBoolean: true })] })]),
  ],
  ['an extension with neither value nor sub-extensions (ext-1)', (r) => void (r.extension = [ext({})])],
  [
    'two value[x] on one extension',
    (r) => void (r.extension = [ext({ valueString: 'y', valueBoolean: true })]),
  ],
  ['a value[x] of an unknown type', (r) => void (r.extension = [ext({ valueFoo: 1 })])],
  ['an extension value as an array', (r) => void (r.extension = [ext({ valueString: ['y'] })])],
  ['a positiveInt of 0', (r) => void (r.extension = [ext({ valuePositiveInt: 0 })])],
  ['an unsignedInt below 0', (r) => void (r.extension = [ext({ valueUnsignedInt: -1 })])],
  ['a decimal where an integer goes', (r) => void (r.extension = [ext({ valueInteger: 1.5 })])],
  ['a dateTime of month 13', (r) => void (r.extension = [ext({ valueDateTime: '2024-13-01' })])],
  ['a modifierExtension', (r) => void (r.modifierExtension = [ext({ valueBoolean: true })])],
  ['a contained resource', (r) => void (r.contained = [{ resourceType: 'Patient', id: 'p' }])],
  [
    'valid narrative',
    (r) => void (r.text = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' }),
  ],
  ['narrative without div', (r) => void (r.text = { status: 'generated' })],
  [
    'a reference to a type the element does not take',
    (r) => {
      const k = refKey(r);
      if (!k) return false;
      r[k] = { reference: 'Medication/m1' };
    },
  ],
  [
    'a conditional reference',
    (r) => {
      const k = refKey(r);
      if (!k) return false;
      r[k] = { reference: 'Patient?identifier=x' };
    },
  ],
  [
    'a contained reference',
    (r) => {
      const k = refKey(r);
      if (!k) return false;
      r[k] = { reference: '#p1' };
    },
  ],
  [
    'a reference as a string',
    (r) => {
      const k = refKey(r);
      if (!k) return false;
      r[k] = 'Patient/p1';
    },
  ],
  [
    'a second type for a choice element',
    (r) => {
      const k = choiceKey(r, 'effective') ?? choiceKey(r, 'onset') ?? choiceKey(r, 'value');
      if (!k) return false;
      r[k.startsWith('value') ? 'valueString' : `${k.replace(/[A-Z].*$/, '')}String`] = 'x';
    },
  ],
  [
    'a choice value of an unknown type',
    (r) => {
      const k = choiceKey(r, 'effective') ?? choiceKey(r, 'onset') ?? choiceKey(r, 'value');
      if (!k) return false;
      r[`${k.replace(/[A-Z].*$/, '')}Foo`] = 'x';
    },
  ],
  [
    'a dateTime choice of month 13',
    (r) => {
      const k = choiceKey(r, 'effective') ?? choiceKey(r, 'onset');
      if (!k) return false;
      r[k] = '2024-13-01';
    },
  ],
  [
    'a period ending before it starts (per-1)',
    (r) => {
      if (!has(r, 'period')) return false;
      r.period = { start: '2024-02-01', end: '2024-01-01' };
    },
  ],
  [
    'a quantity value as a string',
    (r) => {
      const q = r.valueQuantity as Json | undefined;
      if (!q) return false;
      q.value = String(q.value);
    },
  ],
  [
    'a quantity code without system (qty-3)',
    (r) => {
      const q = r.valueQuantity as Json | undefined;
      if (!q) return false;
      delete q.system;
    },
  ],
  [
    'a birthDate with a time',
    (r) => (has(r, 'birthDate') ? void (r.birthDate = '2001-02-03T00:00:00Z') : false),
  ],
  ['active as a string', (r) => (r.resourceType === 'Patient' ? void (r.active = 'true') : false)],
  ['gender not in the code format', (r) => (has(r, 'gender') ? void (r.gender = ' female') : false)],
  ['class as an array', (r) => (has(r, 'class') ? void (r.class = [r.class]) : false)],
  ['a deep object past a primitive', (r) => (has(r, 'id') ? void (r.id = { value: 'x' }) : false)],
];

export function mutatedInputs(base: InputCase): InputCase[] {
  return INPUT_MUTATIONS.flatMap(([name, mutate]) => {
    const resource = clone(base.resource) as unknown as Json;
    try {
      if (mutate(resource) === false) return [];
    } catch {
      return [];
    }
    return [{ name: `${base.name}: ${name}`, resource: resource as unknown as Resource }];
  });
}
