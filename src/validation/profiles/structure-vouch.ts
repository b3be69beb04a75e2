/**
 * A compiled structure walk that vouches for a resource: it answers true only when it can show that
 * @medplum/core's validator (`validateTypedValue` on the same schemas, as compiled-profiles.ts runs
 * it) would report nothing at all, no error and no warning.
 *
 * Why: on a course, Medplum's validator spends ~2.5 ms re-deriving per value what the schema already
 * says (element lookups, the 50 candidate keys of an Extension's value[x], slice matching, FHIRPath
 * navigation). This walk applies the same rules from tables built once per schema
 * (structure-tables.ts) and invariants compiled once (compiled-invariants.ts).
 *
 * It never reports anything itself. Whatever it does not model (null, empty values, primitive
 * extensions `_name`, contained resources, unknown or conflicting keys, slicing other than by
 * extension url, a reference Medplum would warn about) makes it decline, and the caller runs
 * Medplum's validator, so every issue anyone sees is still Medplum's own.
 */
import {
  deepEquals,
  deepIncludes,
  fhirTypeToJsType,
  isPrimitiveType,
  isReference,
  isEmpty,
  tryGetDataType,
  validationRegexes,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import { compiledExpression, invariantHolds, type InvariantScope } from './compiled-invariants';
import { tableOf, type Slot } from './structure-tables';

/** Medplum's limit on a FHIR string (validateString). */
const MAX_STRING = 1024 * 1024;
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const HL7_TYPES = 'http://hl7.org/fhir/StructureDefinition/';
const MEDPLUM_TYPES = 'https://medplum.com/fhir/StructureDefinition/';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Medplum's validatePrimitiveType / validateString / validateNumber, for a plain JSON value. */
function primitiveValid(value: unknown, type: string): boolean {
  if (!(type in fhirTypeToJsType)) return false;
  const expected = fhirTypeToJsType[type as keyof typeof fhirTypeToJsType];
  if (typeof value !== expected) return false;
  if (typeof value === 'string') {
    if (!value.trim() || value.length > MAX_STRING) return false;
    const pattern = validationRegexes[type] as RegExp | undefined;
    return !pattern || pattern.test(value); // Medplum calls exec(): the same answer, without a match array
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if (INTEGER_TYPES.has(type) && !Number.isInteger(value)) return false;
    if (type === 'positiveInt') return value > 0;
    if (type === 'unsignedInt') return value >= 0;
  }
  return true;
}

/** Medplum's referenceTypeCheck: true when it would warn about the referenced type. */
function referenceWarns(value: unknown, element: InternalSchemaElement): boolean {
  if (!isReference(value) || value.reference.startsWith('#')) return false;
  const ref = value.reference;
  // What Medplum takes for the type: before the first '?' if any, else before the first '/'.
  const cut = ref.includes('?') ? ref.indexOf('?') : ref.indexOf('/');
  const type = cut < 0 ? ref : ref.slice(0, cut);
  const targets = element.type.find((t) => t.code === 'Reference')?.targetProfile;
  if (!type || !targets) return false;
  for (const target of targets) {
    if (target === `${HL7_TYPES}Resource` || target === HL7_TYPES + type || target === MEDPLUM_TYPES + type)
      return false;
    if (!target.startsWith(HL7_TYPES) && !target.startsWith(MEDPLUM_TYPES)) return false;
  }
  return true;
}

/** Medplum's slice counts for one element's values are within each slice's cardinality. */
function slicesFit(slices: NonNullable<Slot['slices']>, items: unknown[]): boolean {
  const counts = slices.rules.slices.map(() => 0);
  for (const item of items) {
    const i = slices.byUrl.get((item as { url?: unknown }).url as string);
    if (i !== undefined) counts[i]++;
  }
  return slices.rules.slices.every((s, i) => counts[i] >= s.min && counts[i] <= s.max);
}

/** Everything Medplum checks on the value(s) of one element, and below them. */
function slotValid(slot: Slot, type: string, value: unknown, scope: InvariantScope): boolean {
  const { element } = slot;
  const many = Array.isArray(value);
  if (many !== !!element.isArray) return false;
  // A single value is not wrapped in an array: this runs for every element of every resource.
  const count = many ? value.length : 1;
  if (count === 0 || count < element.min || count > element.max) return false;
  // null (Medplum's null check) and empty values (which Medplum reads as absent): not modelled.
  for (let i = 0; i < count; i++) {
    const item: unknown = many ? (value as unknown[])[i] : value;
    if (item === null || item === undefined || isEmpty(item)) return false;
  }
  if (element.pattern || element.fixed) {
    const typed = Array.isArray(value) ? value.map((v: unknown) => ({ type, value: v })) : { type, value };
    if (element.pattern && !deepIncludes(typed, element.pattern)) return false;
    if (element.fixed && !deepEquals(typed, element.fixed)) return false;
  }
  if (slot.slices === null || (slot.slices && !slicesFit(slot.slices, many ? value : [value]))) return false;
  const primitive = isPrimitiveType(type);
  const schema = primitive ? undefined : tryGetDataType(type);
  // Contained resources and types without a schema: not modelled.
  if (!primitive && (!schema || schema.kind === 'resource' || type === 'Resource')) return false;
  for (let i = 0; i < count; i++) {
    const item: unknown = many ? (value as unknown[])[i] : value;
    if (slot.constraints.length > 0) {
      const typed: TypedValue = { type, value: item };
      for (const c of slot.constraints) if (!invariantHolds(c.expression, typed, scope)) return false;
    }
    if (type === 'Reference' && referenceWarns(item, element)) return false;
    if (primitive ? !primitiveValid(item, type) : !objectValid(item, schema, scope, false)) return false;
  }
  return true;
}

/**
 * Numbers the visits of `objectValid`, from 1 (0 is the marks' initial value). Never reused: a number
 * seen again would take an old visit's marks for this one's (a required element absent read as
 * present). Counting to 2^53 at a million visits a second (far above a worker's rate) takes 285 years.
 */
let visits = 0;
const nextVisit = (): number => ++visits;

/** One object against its type's schema: no unknown key, every element as Medplum wants it. */
function objectValid(
  value: unknown,
  schema: InternalTypeSchema | undefined,
  scope: InvariantScope,
  isRoot: boolean,
): boolean {
  if (!schema || !isObject(value)) return false;
  const table = tableOf(schema);
  if (!table.usable) return false;
  // The slots present, found from the object's keys (an object holds a few of its type's dozens of
  // elements), marked with this visit's number in the table: no list per object. The marks are read
  // only in this loop and the required check, before any nested visit (which may mark the same table).
  const visit = nextVisit();
  for (const key in value) {
    if (!Object.hasOwn(value, key) || (isRoot && key === 'resourceType')) continue;
    const hit = table.byKey.get(key);
    // Unknown key, `_name`, or a second type for one choice element (Medplum warns): decline.
    if (!hit || table.seenAt[hit[0]] === visit) return false;
    table.seenAt[hit[0]] = visit;
  }
  for (const s of table.required) if (table.seenAt[s] !== visit) return false;
  // Each key's slot looked up again rather than kept from above: keeping it allocates per key, on
  // every element of every resource, where a second lookup in a small map allocates nothing.
  for (const key in value) {
    if (!Object.hasOwn(value, key) || (isRoot && key === 'resourceType')) continue;
    const [s, t] = table.byKey.get(key) as [number, number];
    if (!slotValid(table.slots[s], table.slots[s].types[t], value[key], scope)) return false;
  }
  return true;
}

/** Per profile: the base type it was compared with, and whether both read every key alike. */
const readAlike = new WeakMap<InternalTypeSchema, { base: InternalTypeSchema; alike: boolean }>();

/**
 * Medplum's validator holds the profile, but reads the resource's properties through the base type
 * (compiled-profiles.ts): every key the profile's table knows must select the same element and type
 * in the base type's table, or the walk would read the resource otherwise than Medplum does.
 */
function readsAlike(profile: InternalTypeSchema): boolean {
  const base = tryGetDataType(profile.type);
  // No base, or the profile standing in the registry (inside validateAgainstProfile's call).
  if (!base || base === profile) return false;
  let known = readAlike.get(profile);
  if (known?.base !== base) {
    const p = tableOf(profile);
    const b = tableOf(base);
    const alike = [...p.byKey].every(([key, [s, t]]) => {
      const hit = b.byKey.get(key);
      return (
        hit !== undefined &&
        b.slots[hit[0]].name === p.slots[s].name &&
        b.slots[hit[0]].types[hit[1]] === p.slots[s].types[t]
      );
    });
    known = { base, alike };
    readAlike.set(profile, known);
  }
  return known.alike;
}

/**
 * True only if Medplum's validator, given `schema` (a profile of the resource's type) as
 * compiled-profiles.ts gives it, would report no issue on `resource`. The global registry must hold
 * the base types, as it does outside that call.
 */
export function vouchesFor(resource: unknown, schema: InternalTypeSchema): boolean {
  if (!isObject(resource) || resource.resourceType !== schema.type || !readsAlike(schema)) return false;
  return rootValid(resource, schema);
}

/**
 * The root invariants, then the walk of the resource as Medplum's validator, holding `schema`, would
 * go. A walk that throws on odd input does not vouch: Medplum's validator then runs and reports
 * whatever it reports.
 */
function rootValid(resource: Json, schema: InternalTypeSchema): boolean {
  try {
    const root: TypedValue = { type: schema.type, value: resource };
    const scope: InvariantScope = { resource: root, root };
    for (const c of tableOf(schema).constraints) if (!invariantHolds(c.expression, root, scope)) return false;
    return objectValid(resource, schema, scope, true);
  } catch {
    return false;
  }
}

/**
 * True only if @medplum/core's `validateResource(resource)` (no profile: the base R4 schema of the
 * resource's type, from the global registry) would return an empty array without throwing. Input
 * validation asks this first and runs Medplum's validator only when it is false. Tables and compiled
 * invariants are built on first use, so only the types actually ingested (and the datatypes reached
 * from them) take memory.
 */
export function vouchesForBaseType(resource: unknown): boolean {
  if (!isObject(resource) || typeof resource.resourceType !== 'string') return false;
  const schema = tryGetDataType(resource.resourceType);
  if (schema?.kind !== 'resource' || schema.type !== resource.resourceType) return false;
  return rootValid(resource, schema);
}

/** Builds the tables of `schema` (a profile) and of every type reachable from it, and compiles their invariants. */
export function prepareVouching(schema: InternalTypeSchema): void {
  readsAlike(schema);
  const seen = new Set<InternalTypeSchema>();
  const stack = [schema];
  while (stack.length > 0) {
    const next = stack.pop() as InternalTypeSchema;
    if (seen.has(next)) continue;
    seen.add(next);
    const table = tableOf(next);
    for (const c of table.constraints) compiledExpression(c.expression);
    for (const slot of table.slots) {
      for (const c of slot.constraints) compiledExpression(c.expression);
      for (const type of slot.types) {
        const reached = isPrimitiveType(type) ? undefined : tryGetDataType(type);
        if (reached && reached.kind !== 'resource') stack.push(reached);
      }
    }
  }
}
