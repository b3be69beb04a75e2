/**
 * FHIRPath invariants compiled once: @medplum/core's own parse tree of each expression, kept per
 * expression, with two parts swapped: property navigation (`extension`, `value`, `url`), and the
 * pick of an extension by its url (`extension.where(url = '…')`, see ExtensionUrlWhere).
 *
 * Why: evaluating an invariant is mostly navigation, and @medplum/core navigates by looking the
 * element up again on every step and trying each type of a choice in turn, building the candidate
 * name each time (`value[x]` of an Extension has 50 types). Here each (type, property) lookup is
 * done once per schema and the candidates' names are built once; every other operator and function
 * is @medplum/core's own code (the tree's nodes are its classes), so results are the same.
 * Anything out of the ordinary (primitive extensions `_name`, a property without an element
 * definition) is handed to @medplum/core's navigation itself.
 */
import {
  capitalize,
  EqualsAtom,
  FunctionAtom,
  getElementDefinitionFromElements,
  getTypedPropertyValue,
  isEmpty,
  LiteralAtom,
  parseFhirPath,
  SymbolAtom,
  toJsBoolean,
  tryGetDataType,
  type Atom,
  type AtomContext,
  type FhirPathAtom,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';
import { jsonKeysOf } from './element-keys';

/** How to read one property of one type: its element and each type's JSON key, in the element's order. */
interface Navigation {
  element: InternalSchemaElement;
  types: string[];
  keys: string[];
  /** `_key` of each: the primitive extension slot. */
  underscored: string[];
  /** Position of each type's key and `_key` (primitive extension) in `types`, for long choices. */
  index?: Map<string, number>;
}

/** Choices with more types than this are found from the object's keys (an object has few). */
const SHORT_CHOICE = 4;

const navigations = new WeakMap<InternalTypeSchema, Map<string, Navigation | null>>();

function navigationOf(schema: InternalTypeSchema, name: string): Navigation | null {
  let bySchema = navigations.get(schema);
  if (!bySchema) navigations.set(schema, (bySchema = new Map()));
  let nav = bySchema.get(name);
  if (nav === undefined) {
    const element = getElementDefinitionFromElements(schema.elements, name);
    nav = element ? buildNavigation(element) : null;
    bySchema.set(name, nav);
  }
  return nav;
}

function buildNavigation(element: InternalSchemaElement): Navigation | null {
  const types = (element.type ?? []).map((t) => t.code);
  const keys = jsonKeysOf(element);
  // A key every object inherits (`valueOf`…) would be found where the JSON has none: let Medplum read it.
  if (keys.some((k) => k in Object.prototype || `_${k}` in Object.prototype)) return null;
  const underscored = keys.map((k) => `_${k}`);
  if (keys.length <= SHORT_CHOICE) return { element, types, keys, underscored };
  const index = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!index.has(k)) index.set(k, i);
    if (!index.has(`_${k}`)) index.set(`_${k}`, i);
  });
  return { element, types, keys, underscored, index };
}

/** Position of the first type (in the element's order) whose key or `_key` holds something, or -1. */
function firstPresent(obj: Record<string, unknown>, nav: Navigation): number {
  if (!nav.index) {
    for (let i = 0; i < nav.keys.length; i++) {
      if (obj[nav.keys[i]] !== undefined || obj[nav.underscored[i]] !== undefined) return i;
    }
    return -1;
  }
  let first = -1;
  for (const key in obj) {
    const i = nav.index.get(key);
    if (i !== undefined && (first < 0 || i < first) && obj[key] !== undefined) first = i;
  }
  return first;
}

type Found = TypedValue[] | TypedValue | undefined;

/**
 * `getTypedPropertyValue(tv, name)` for an object value, the element found from `nav`. Values are
 * parsed JSON (every property own and enumerable), so the keys present are the object's own keys.
 */
function readProperty(tv: TypedValue, name: string, nav: Navigation | null): Found {
  if (!nav) return getTypedPropertyValue(tv, name);
  const obj = tv.value as Record<string, unknown>;
  const first = firstPresent(obj, nav);
  if (first < 0) return undefined;
  if (obj[nav.underscored[first]] !== undefined) return getTypedPropertyValue(tv, name);
  const value = obj[nav.keys[first]];
  if (isEmpty(value)) return undefined;
  let type = nav.types[first];
  if (type === 'Element' || type === 'BackboneElement') type = nav.element.type[0].code;
  const typed = (v: unknown): TypedValue =>
    type === 'Resource' && v !== null && typeof v === 'object' && 'resourceType' in v
      ? { type: v.resourceType as string, value: v }
      : { type, value: v };
  return Array.isArray(value) ? value.map(typed) : typed(value);
}

/**
 * @medplum/core's SymbolAtom with the navigation above. Only `$` and `%` names can be variables:
 * functions bind `$this`, and our callers (invariantHolds, rules/datatype-invariants.ts) bind `%`
 * names only.
 */
class CompiledSymbol extends SymbolAtom {
  private readonly variable = this.name.startsWith('$') || this.name.startsWith('%');
  private lastSchema: InternalTypeSchema | undefined;
  private lastNavigation: Navigation | null = null;

  override eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    if (this.name === '$this') return input;
    if (this.variable) {
      for (let c: AtomContext | undefined = context; c; c = c.parent) {
        const v = c.variables[this.name];
        if (v !== undefined) return [v];
      }
      if (this.name.startsWith('%')) throw new Error(`Undefined variable ${this.name}`);
    }
    const out: TypedValue[] = [];
    for (const e of input) {
      const found = this.read(e);
      if (Array.isArray(found)) {
        for (const f of found) if (f?.value !== undefined) out.push(f);
      } else if (found?.value !== undefined) out.push(found);
    }
    return out;
  }

  private read(e: TypedValue): Found {
    const v = e.value as unknown;
    if (!v || typeof v !== 'object') return undefined;
    if ('resourceType' in v && v.resourceType === this.name) return e;
    const schema = tryGetDataType(e.type);
    if (!schema) return getTypedPropertyValue(e, this.name);
    if (schema !== this.lastSchema) {
      this.lastSchema = schema;
      this.lastNavigation = navigationOf(schema, this.name);
    }
    return readProperty(e, this.name, this.lastNavigation);
  }
}

/**
 * `where(url = '<text>')`, the way a profile picks an extension out of a list. The general evaluation
 * builds, per extension, the url's typed value, the literal's, and two result lists; our course
 * profile's invariants are mostly such picks, and invariants were about half of a course's output
 * validation (instrumented on the seed courses, this took their time from 0.65 to 0.54 ms). An
 * Extension whose `url` is a string is picked by comparing the text, which is what `=` answers for two
 * strings (a `_url` beside it adds an id or extensions, not text); any other item (another type, a url
 * that is not one string, a resource) is answered by the criteria's own evaluation, so the result is
 * always @medplum/core's.
 */
class ExtensionUrlWhere extends FunctionAtom {
  constructor(
    private readonly url: string,
    criteria: Atom,
  ) {
    super('where', [criteria]);
  }

  override eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    const out: TypedValue[] = [];
    for (const e of input) {
      const v = e.value as Record<string, unknown> | null | undefined;
      const plain =
        e.type === 'Extension' &&
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        typeof v.url === 'string' &&
        !('resourceType' in v);
      if (plain ? v.url === this.url : toJsBoolean(this.args[0].eval(context, [e]))) out.push(e);
    }
    return out;
  }
}

/** The url of `where(url = '<non-empty text>')`, else undefined. */
function extensionUrlPicked(atom: Atom): string | undefined {
  if (!(atom instanceof FunctionAtom) || atom.name !== 'where' || atom.args.length !== 1) return undefined;
  const eq = atom.args[0];
  if (!(eq instanceof EqualsAtom)) return undefined;
  if (!(eq.left instanceof SymbolAtom) || eq.left.name !== 'url' || !(eq.right instanceof LiteralAtom))
    return undefined;
  const literal = eq.right.value;
  return literal.type === 'string' && typeof literal.value === 'string' && literal.value !== ''
    ? literal.value
    : undefined;
}

/** A copy of `atom` (same class, same fields) with every symbol below it compiled. */
function compileAtom(atom: Atom): Atom {
  if (atom instanceof SymbolAtom) return new CompiledSymbol(atom.name);
  const url = extensionUrlPicked(atom);
  if (url !== undefined) return new ExtensionUrlWhere(url, compileAtom((atom as FunctionAtom).args[0]));
  const copy = Object.assign(Object.create(Object.getPrototypeOf(atom) as object), atom) as Record<
    string,
    unknown
  >;
  for (const field of ['child', 'left', 'right', 'expr']) {
    const child = copy[field] as Atom | undefined;
    if (child && typeof child.eval === 'function') copy[field] = compileAtom(child);
  }
  if (Array.isArray(copy.args)) copy.args = (copy.args as Atom[]).map(compileAtom);
  return copy as unknown as Atom;
}

/** Expressions come from loaded definitions only (profiles and the R4 base), so the cache is bounded. */
const compiled = new Map<string, FhirPathAtom | null>();

/** The compiled expression, or null when @medplum/core cannot parse it. */
export function compiledExpression(expression: string): FhirPathAtom | null {
  let atom = compiled.get(expression);
  if (atom === undefined) {
    try {
      atom = compileAtom(parseFhirPath(expression)) as FhirPathAtom;
    } catch {
      atom = null;
    }
    compiled.set(expression, atom);
  }
  return atom;
}

/** The variables @medplum/core's validator gives an invariant. */
export interface InvariantScope {
  /** The resource holding the value (`%resource`). */
  resource: TypedValue;
  /** The resource validated (`%rootResource`). */
  root: TypedValue;
}

const UCUM: TypedValue = { type: 'uri', value: 'http://unitsofmeasure.org' };

/**
 * Root invariants that hold whenever one of the named elements is absent, answered without evaluating:
 * each is `a.….empty() or b.…` (or a conjunction of `contained.….empty()`), so with its element absent
 * the term is true. On a typical input (no `contained`, no `component`, no `dataAbsentReason`) these
 * were a fifth of input validation's time. "Absent" means no key of the object, with or without the
 * primitive-extension `_`, starts with the name (`value` covers every `value[x]` key), so a key that
 * only looks like the element errs towards evaluating. test/validation/compiled-invariants.test.ts
 * checks every entry against the evaluation and against the R4 definitions.
 */
export const HOLDS_WITHOUT = new Map<string, readonly string[]>([
  ['contained.contained.empty()', ['contained']], // dom-2
  ['contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', ['contained']], // dom-4
  ['contained.meta.security.empty()', ['contained']], // dom-5
  ['dataAbsentReason.empty() or value.empty()', ['dataAbsentReason', 'value']], // obs-6
  [
    'value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()',
    ['value', 'component'],
  ], // obs-7
  [
    "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",
    ['abatement'],
  ], // con-4
  [
    "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",
    ['verificationStatus', 'clinicalStatus'],
  ], // con-5
]);

/**
 * Invariants that hold for almost every value, answered in plain JavaScript when the answer is
 * certain (undefined: evaluate the expression): ext-1, on every Extension element, and HOLDS_WITHOUT.
 */
const DIRECT = new Map<string, (tv: TypedValue) => boolean | undefined>([
  ['extension.exists() != value.exists()', ext1],
  ...[...HOLDS_WITHOUT].map(
    ([expression, names]) =>
      [expression, (tv: TypedValue) => (someAbsent(tv.value, names) ? true : undefined)] as const,
  ),
]);

/** True when some name in `names` has no key in `obj` (see HOLDS_WITHOUT). */
function someAbsent(obj: unknown, names: readonly string[]): boolean {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
  const keys = Object.keys(obj);
  for (const name of names) {
    let present = false;
    for (const k of keys) {
      if (k.startsWith(name) || (k[0] === '_' && k.startsWith(name, 1))) {
        present = true;
        break;
      }
    }
    if (!present) return true;
  }
  return false;
}

let extensionValueKeys: ReadonlySet<string> | undefined;
function ext1(tv: TypedValue): boolean | undefined {
  if (tv.type !== 'Extension') return undefined;
  extensionValueKeys ??= new Set(
    (tryGetDataType('Extension')?.elements['value[x]']?.type ?? []).map((t) => `value${capitalize(t.code)}`),
  );
  const obj = tv.value as Record<string, unknown> | null;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  let extension = false;
  let values = 0;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (key.startsWith('_')) return undefined;
    if (key === 'extension') {
      if (!Array.isArray(v) || v.length === 0) return undefined;
      if (!v.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s) && !isEmpty(s)))
        return undefined;
      extension = true;
    } else if (extensionValueKeys.has(key)) {
      if (Array.isArray(v) || isEmpty(v)) return undefined;
      values++;
    }
  }
  return values > 1 ? undefined : extension !== (values === 1);
}

/**
 * The result of `expression` on `value` with the variables @medplum/core's validator gives an
 * invariant; undefined when the expression does not parse or its evaluation throws.
 */
export function evaluateInvariant(
  expression: string,
  value: TypedValue,
  scope: InvariantScope,
): TypedValue[] | undefined {
  const atom = compiledExpression(expression);
  if (!atom) return undefined;
  const variables = {
    '%context': value,
    '%ucum': UCUM,
    '%resource': scope.resource,
    '%rootResource': scope.root,
  };
  try {
    return atom.eval({ variables }, [value]);
  } catch {
    return undefined;
  }
}

/** Whether `result` is exactly one boolean `b` (FHIRPath booleans may come boxed). */
export function isSingle(result: TypedValue[], b: boolean): boolean {
  return result.length === 1 && (result[0].value as { valueOf(): unknown } | undefined)?.valueOf() === b;
}

/**
 * Whether @medplum/core's validator would find `expression` true on `value` (its check: exactly one
 * result, `true`). False covers a failing invariant and one that cannot be evaluated alike.
 */
export function invariantHolds(expression: string, value: TypedValue, scope: InvariantScope): boolean {
  const direct = DIRECT.get(expression)?.(value);
  if (direct !== undefined) return direct;
  const result = evaluateInvariant(expression, value, scope);
  return result !== undefined && isSingle(result, true);
}
