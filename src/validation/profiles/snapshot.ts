/**
 * Snapshot generation for our profiles: base snapshot + our differential (FHIR "snapshot generation",
 * restricted to what profiles/ uses). Slices are inserted after their sliced element; the children of
 * a slice are expanded from the slice's type (Extension) when the differential constrains them.
 * Deterministic: the same differential and base give the same snapshot, so a test can check that the
 * committed snapshots are current (scripts/build-profile-snapshots.ts rewrites them).
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/** Finds the base StructureDefinition of a type (e.g. MedicationStatement, Extension). */
export type BaseLookup = (type: string) => StructureDefinition;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** `A.b:s.c` → `A.b.c` (element path from element id). */
function pathOf(id: string): string {
  return id
    .split('.')
    .map((seg) => seg.split(':')[0])
    .join('.');
}

function parentId(id: string): string {
  return id.slice(0, id.lastIndexOf('.'));
}

function isWithin(id: string, ancestor: string): boolean {
  return id === ancestor || id.startsWith(`${ancestor}.`) || id.startsWith(`${ancestor}:`);
}

/** Applies a differential element onto a snapshot element: constraints add up, the rest replaces. */
function merge(target: ElementDefinition, diff: ElementDefinition): void {
  for (const [key, value] of Object.entries(diff) as [keyof ElementDefinition, unknown][]) {
    if (key === 'id' || key === 'path') continue;
    if (key === 'constraint') {
      const keys = new Set((diff.constraint ?? []).map((c) => c.key));
      target.constraint = [
        ...(target.constraint ?? []).filter((c) => !keys.has(c.key)),
        ...clone(diff.constraint ?? []),
      ];
    } else {
      (target as unknown as Record<string, unknown>)[key] = clone(value);
    }
  }
}

/** Base elements of `type` rebased under a slice (`Extension.url` → `<sliceId>.url`). */
function childrenOf(slice: ElementDefinition, base: BaseLookup): ElementDefinition[] {
  const typeCode = slice.type?.[0]?.code;
  if (!typeCode) throw new Error(`cannot expand children of ${slice.id}: it has no type`);
  const typeSd = base(typeCode);
  return (typeSd.snapshot?.element ?? []).slice(1).map((e) => {
    const child = clone(e);
    child.id = `${slice.id}${(e.id as string).slice(typeCode.length)}`;
    child.path = `${slice.path}${(e.path as string).slice(typeCode.length)}`;
    return child;
  });
}

function insertAfterBlock(elements: ElementDefinition[], ancestor: string, added: ElementDefinition[]): void {
  let at = elements.findIndex((e) => e.id === ancestor);
  if (at < 0) throw new Error(`no element ${ancestor} to insert after`);
  while (at + 1 < elements.length && isWithin(elements[at + 1].id as string, ancestor)) at++;
  elements.splice(at + 1, 0, ...added);
}

/** Makes sure the element `id` exists in `elements`, creating slices and expanding slice children. */
function ensureElement(elements: ElementDefinition[], id: string, base: BaseLookup): ElementDefinition {
  const found = elements.find((e) => e.id === id);
  if (found) return found;
  const parent = parentId(id);
  const last = id.slice(parent.length + 1);
  const colon = last.indexOf(':');
  if (colon >= 0) {
    const slicedId = `${parent}.${last.slice(0, colon)}`;
    const sliced = ensureElement(elements, slicedId, base);
    const slice = clone(sliced);
    delete slice.slicing;
    slice.id = id;
    slice.path = pathOf(id);
    slice.sliceName = last.slice(colon + 1);
    insertAfterBlock(elements, slicedId, [slice]);
    return slice;
  }
  const parentEl = ensureElement(elements, parent, base);
  const hasChildren = elements.some((e) => (e.id as string).startsWith(`${parent}.`));
  if (!hasChildren) insertAfterBlock(elements, parent, childrenOf(parentEl, base));
  const created = elements.find((e) => e.id === id);
  if (!created) throw new Error(`differential element ${id} does not exist in the base`);
  return created;
}

/** Returns `sd` with `snapshot` regenerated from its differential and its base type's snapshot. */
export function withSnapshot(sd: StructureDefinition, base: BaseLookup): StructureDefinition {
  if (!sd.type || !sd.differential?.element?.length) {
    throw new Error(`StructureDefinition ${sd.url ?? sd.id}: needs a type and a differential`);
  }
  const elements = clone(base(sd.type).snapshot?.element ?? []);
  for (const diff of sd.differential.element) {
    if (!diff.id || pathOf(diff.id) !== diff.path) {
      throw new Error(
        `StructureDefinition ${sd.url}: element id ${diff.id} does not match path ${diff.path}`,
      );
    }
    merge(ensureElement(elements, diff.id, base), diff);
  }
  const { snapshot: _old, ...rest } = sd;
  const ordered: StructureDefinition = { ...rest, differential: sd.differential };
  return { ...ordered, snapshot: { element: elements } };
}
