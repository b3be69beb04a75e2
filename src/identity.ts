/**
 * Source namespacing. Every API token belongs to one source (hospital); every resource id a source
 * sends is stored as `<source>.<id>`, and every relative reference inside its resources is rewritten
 * the same way, so two hospitals' `Patient/123` never merge. Source ids cannot contain a dot, so the
 * first dot always splits a namespaced id unambiguously.
 */
export const SOURCE_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** FHIR id: [A-Za-z0-9\-\.]{1,64} */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function namespacedId(source: string, id: string): string {
  return `${source}.${id}`;
}

export function sourceOf(namespaced: string): string {
  const dot = namespaced.indexOf('.');
  return dot < 0 ? '' : namespaced.slice(0, dot);
}

export function localIdOf(namespaced: string): string {
  const dot = namespaced.indexOf('.');
  return dot < 0 ? namespaced : namespaced.slice(dot + 1);
}

/** True when `namespaced` belongs to `source` (token scoping for reads and exports). */
export function belongsTo(namespaced: string, source: string): boolean {
  return namespaced.startsWith(`${source}.`);
}
