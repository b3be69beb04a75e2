/**
 * What @medplum/core's validator looks at in one object of one type, worked out once per parsed
 * schema (structure-vouch.ts walks with it): for each element, the JSON keys it may take (one per
 * type of a choice, in the element's order, as Medplum tries them), the type each key selects,
 * cardinality, fixed/pattern value, the invariants Medplum evaluates on it, and the slicing by
 * extension url. A key or a slicing this table cannot say Medplum handles plainly is left out or
 * marked, and the walk then declines to vouch.
 */
import {
  arrayify,
  getNestedProperty,
  matchDiscriminant,
  type Constraint,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type SlicingRules,
  type TypedValue,
} from '@medplum/core';
import { jsonKeysOf } from './element-keys';

/** Invariants @medplum/core's validator never evaluates (its `skippedConstraintKeys`). */
const MEDPLUM_SKIPS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

export interface Slot {
  name: string;
  element: InternalSchemaElement;
  /** JSON key and selected type per type of the element, in the element's order. */
  keys: string[];
  types: string[];
  /** The error-severity invariants Medplum evaluates on each value. */
  constraints: Constraint[];
  /** Extension url → slice position, for slicing on `url`; null: slicing this table does not model. */
  slices?: { byUrl: Map<string, number>; rules: SlicingRules } | null;
}

export interface ObjectTable {
  /** False when the schema has elements Medplum reaches by a nested path (`a.b`): not modelled. */
  usable: boolean;
  slots: Slot[];
  /** JSON key → [slot, type position]; keys Medplum could read otherwise are absent. */
  byKey: Map<string, [number, number]>;
  /** Slots whose element is required (min > 0). */
  required: number[];
  /** Invariants on the type itself (checked by Medplum on the validated resource only). */
  constraints: Constraint[];
  /**
   * Per slot, the walk's visit that last found it present (structure-vouch.ts `objectValid`): marks
   * instead of a list of the slots present per object visited.
   */
  seenAt: Float64Array;
}

export const medplumChecks = (constraints: Constraint[] | undefined): Constraint[] =>
  (constraints ?? []).filter((c) => c.severity === 'error' && !MEDPLUM_SKIPS.has(c.key));

/**
 * The choice element Medplum's unknown-property check takes `key` for: it cuts the key before each
 * capital letter and tries the growing prefix with `[x]` (`valueCodeableConcept` → `value[x]`).
 */
function choiceNameOf(key: string, elements: Record<string, InternalSchemaElement>): string | undefined {
  for (let i = 1; i <= key.length; i++) {
    if (i < key.length && !(key[i] >= 'A' && key[i] <= 'Z')) continue;
    const name = `${key.slice(0, i)}[x]`;
    if (elements[name]) return name;
  }
  return undefined;
}

/** The slice Medplum's validator assigns to `value` (its checkSliceElement, which is not exported). */
function medplumSliceOf(value: TypedValue, rules: SlicingRules): string | undefined {
  return rules.slices.find((slice) =>
    rules.discriminator.every((d) =>
      arrayify(getNestedProperty(value, d.path))?.some((v) => matchDiscriminant(v, d, slice)),
    ),
  )?.name;
}

/**
 * Slicing of extensions by their fixed url, the only kind this table models; it is checked against
 * Medplum's own slice matching for every url before it is trusted.
 */
function urlSlices(element: InternalSchemaElement): Slot['slices'] {
  const rules = element.slicing;
  if (!rules) return undefined;
  const [d, ...more] = rules.discriminator;
  const extensionOnly = element.type.length === 1 && element.type[0].code === 'Extension';
  if (!d || more.length > 0 || d.type !== 'value' || d.path !== 'url' || !extensionOnly) return null;
  const byUrl = new Map<string, number>();
  for (const [i, slice] of rules.slices.entries()) {
    const url = slice.elements.url;
    if (!url?.fixed || url.pattern || typeof url.fixed.value !== 'string') return null;
    if (!byUrl.has(url.fixed.value)) byUrl.set(url.fixed.value, i);
  }
  for (const [url, i] of byUrl) {
    const probe: TypedValue = { type: 'Extension', value: { url } };
    if (medplumSliceOf(probe, rules) !== rules.slices[i].name) return null;
  }
  return { byUrl, rules };
}

function slotOf(name: string, element: InternalSchemaElement): Slot {
  const codes = element.type.map((t) => t.code);
  return {
    name,
    element,
    keys: jsonKeysOf(element),
    // As Medplum's getTypedPropertyValue: a backbone element is typed by the element's first type.
    types: codes.map((code) => (code === 'Element' || code === 'BackboneElement' ? codes[0] : code)),
    constraints: medplumChecks(element.constraints),
    slices: urlSlices(element),
  };
}

function buildTable(schema: InternalTypeSchema): ObjectTable {
  const entries = Object.entries(schema.elements);
  const slots = entries.map(([name, element]) => slotOf(name, element));
  const byKey = new Map<string, [number, number]>();
  const ambiguous = new Set<string>();
  slots.forEach((slot, s) => {
    slot.keys.forEach((key, t) => {
      const hit = byKey.get(key);
      if (hit && hit[0] !== s) ambiguous.add(key);
      else if (!hit) byKey.set(key, [s, t]);
    });
  });
  for (const [key, [s]] of byKey) {
    // Medplum must take the key for the same element: a choice key for its choice, a plain key for itself.
    const choice = choiceNameOf(key, schema.elements);
    const plain = schema.elements[key] !== undefined && slots[s].name === key;
    if (choice ? choice !== slots[s].name : !plain) ambiguous.add(key);
  }
  for (const key of ambiguous) byKey.delete(key);
  return {
    usable: entries.every(([name]) => !name.includes('.')),
    slots,
    byKey,
    required: slots.flatMap((slot, s) => (slot.element.min > 0 ? [s] : [])),
    constraints: medplumChecks(schema.constraints),
    seenAt: new Float64Array(slots.length),
  };
}

const tables = new WeakMap<InternalTypeSchema, ObjectTable>();

/** The table of `schema`, built on first use (keyed by the parsed schema, so a reload rebuilds). */
export function tableOf(schema: InternalTypeSchema): ObjectTable {
  let table = tables.get(schema);
  if (!table) {
    table = buildTable(schema);
    tables.set(schema, table);
  }
  return table;
}
