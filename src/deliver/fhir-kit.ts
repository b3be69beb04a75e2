/**
 * fhir-kit-client is ESM-only (no `require` export): the application loads it with a dynamic
 * import. Jest's CommonJS runtime has no dynamic import; there, and only there, its module map
 * hands out a transpiled copy through `require` (jest.config.js).
 */
import type * as FhirKit from 'fhir-kit-client';

let loaded: Promise<typeof FhirKit> | undefined;

export function loadFhirKit(): Promise<typeof FhirKit> {
  loaded ??= import('fhir-kit-client').catch((err: { code?: string }) => {
    if (!String(err?.code).startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) throw err;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest only, see above
    return require('fhir-kit-client') as typeof FhirKit;
  });
  return loaded;
}
