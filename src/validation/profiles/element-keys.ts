import { capitalize, type InternalSchemaElement } from '@medplum/core';

/**
 * The JSON key of each of an element's types, in the element's order: a choice `value[x]` gives
 * `valueString`, `valueQuantity`…; any other element its own name. The compiled walk and the compiled
 * invariants both read resource JSON by these keys, as Medplum's typed property lookup does.
 */
export function jsonKeysOf(element: InternalSchemaElement): string[] {
  const last = element.path.substring(element.path.lastIndexOf('.') + 1);
  return (element.type ?? []).map((t) => last.replace('[x]', capitalize(t.code)));
}
