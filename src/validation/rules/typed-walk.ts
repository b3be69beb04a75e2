/**
 * Walks a resource's JSON with the R4 type schemas, visiting every object-valued element with its
 * FHIR type (data type, backbone element or resource), so rules can apply wherever a type occurs (a
 * Period inside `Observation.component[2].valuePeriod` as much as at `Observation.effectivePeriod`).
 * Iterative (no recursion); nesting depth is bounded by validateResource before any rule runs.
 */
import { tryGetDataType, type InternalSchemaElement, type InternalTypeSchema } from '@medplum/core';

export interface TypedNode {
  /** FHIR type name: `Period`, `ObservationComponent`, `Observation`. */
  type: string;
  schema: InternalTypeSchema;
  value: Record<string, unknown>;
  /** FHIRPath-like location with JSON keys: `Observation.component[0].valuePeriod`. */
  path: string;
  /** The element definition this node is a value of (none for the root). */
  element?: InternalSchemaElement;
  /** Element name in the parent (`valuePeriod`, `extension`, `modifierExtension`). */
  key?: string;
  parentType?: string;
  /** The resource that holds this node, contained resources being part of their container (%rootResource). */
  rootResource: Record<string, unknown>;
}

export interface ElementMatch {
  element: InternalSchemaElement;
  /** The type this key selects (`Period` for `effectivePeriod`). */
  type: string;
  /** Element name without `[x]` when it is a choice (`effective`). */
  choice?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Answers found so far, per schema: every rule walks every element of every resource, and finding a
 * choice element (`valueQuantity` → `value[x]`) means scanning the schema's elements. Matches are
 * bounded by the schema's own element names; misses (`resourceType`, keys a sender invents) are kept
 * only up to MAX_MISSES per schema, so no input can grow the cache without bound.
 */
const answers = new WeakMap<InternalTypeSchema, { hits: Map<string, ElementMatch>; misses: Set<string> }>();
const MAX_MISSES = 256;

/** The element a JSON key of `schema` stands for, with the type it selects. */
export function elementOf(schema: InternalTypeSchema, key: string): ElementMatch | undefined {
  let known = answers.get(schema);
  if (!known) answers.set(schema, (known = { hits: new Map(), misses: new Set() }));
  const hit = known.hits.get(key);
  if (hit || known.misses.has(key)) return hit;
  const found = findElement(schema, key);
  if (found) known.hits.set(key, found);
  else if (known.misses.size < MAX_MISSES) known.misses.add(key);
  return found;
}

function findElement(schema: InternalTypeSchema, key: string): ElementMatch | undefined {
  const direct = schema.elements[key];
  if (direct) return { element: direct, type: direct.type[0]?.code ?? '' };
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) continue;
    const base = name.slice(0, -3);
    if (!key.startsWith(base) || key.length === base.length) continue;
    const suffix = key.slice(base.length);
    const t = element.type.find((et) => et.code.charAt(0).toUpperCase() + et.code.slice(1) === suffix);
    if (t) return { element, type: t.code, choice: base };
  }
  return undefined;
}

/**
 * A node of the walk. Its path is spelled only when a rule asks for it (to report an issue): building
 * it for every element of every resource was a tenth of the walk's time.
 */
class WalkNode implements TypedNode {
  private spelled?: string;
  constructor(
    readonly type: string,
    readonly schema: InternalTypeSchema,
    readonly value: Record<string, unknown>,
    readonly rootResource: Record<string, unknown>,
    private readonly parent?: WalkNode,
    /** Position in the parent's array (-1: not in an array). */
    private readonly index = -1,
    readonly element?: InternalSchemaElement,
    readonly key?: string,
  ) {}

  /** The resource at the top of a walk, its path given. */
  static root(type: string, schema: InternalTypeSchema, resource: Record<string, unknown>, path: string) {
    const node = new WalkNode(type, schema, resource, resource);
    node.spelled = path;
    return node;
  }

  get parentType(): string | undefined {
    return this.parent?.type;
  }

  get path(): string {
    if (this.spelled === undefined) {
      const at = this.index < 0 ? '' : `[${this.index}]`;
      this.spelled = `${this.parent?.path ?? ''}.${this.key ?? ''}${at}`;
    }
    return this.spelled;
  }
}

/** Calls `visit` for the resource and each object-valued element below it (parents before children). */
export function walkTyped(
  resource: Record<string, unknown>,
  rootPath: string,
  visit: (n: TypedNode) => void,
): void {
  const rootType = String(resource.resourceType);
  const rootSchema = tryGetDataType(rootType);
  if (!rootSchema) return;
  const stack: WalkNode[] = [WalkNode.root(rootType, rootSchema, resource, rootPath)];
  const children: WalkNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop() as WalkNode;
    visit(node);
    // for…in and no array around a single value: the walk runs over every element of every resource,
    // and the key lists and one-item arrays were most of what it allocated.
    for (const key in node.value) {
      if (!Object.hasOwn(node.value, key)) continue;
      if (key === 'resourceType' || key.charCodeAt(0) === 95 /* _ */) continue;
      const raw = node.value[key];
      if (raw === null || typeof raw !== 'object') continue;
      const match = elementOf(node.schema, key);
      if (!match) continue;
      const many = Array.isArray(raw);
      const count = many ? raw.length : 1;
      for (let i = 0; i < count; i++) {
        const item: unknown = many ? raw[i] : raw;
        if (!isObject(item)) continue;
        const isResource = match.type === 'Resource' || match.type === 'DomainResource';
        const type = isResource ? String(item.resourceType) : match.type;
        const schema = tryGetDataType(type);
        if (!schema) continue;
        const contained = key === 'contained';
        children.push(
          new WalkNode(
            type,
            schema,
            item,
            isResource && !contained ? item : node.rootResource,
            node,
            many ? i : -1,
            match.element,
            key,
          ),
        );
      }
    }
    // Pushed in reverse so that children are visited in document order.
    while (children.length > 0) stack.push(children.pop() as WalkNode);
  }
}
