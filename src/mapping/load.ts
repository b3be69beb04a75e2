/**
 * Loads mappings/ (concepts.json, units.json, sources/*.json), checks every file against its JSON
 * Schema (mappings/schemas/) and against the engine's rules, and indexes it. Fails loudly: a
 * malformed file throws a MappingDataError listing every problem, so a bad data change stops start-up
 * instead of silently mapping nothing.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import type { OxygenSupportLevel } from '../domain/events';
import { codingKey } from './keys';
import { buildUnitRules } from './load-units';
import { compileTextPattern, excluding, type TextPattern } from './text-pattern';
import {
  CONCEPT_IDS,
  type ConceptAttributes,
  type ConceptDefinition,
  type ConceptId,
  type ConceptRole,
  type ConceptRule,
  type MappingSet,
  type TextRule,
} from './types';

export const CONCEPT_SYSTEM = 'http://bitebridge.dev/fhir/CodeSystem/concept';

export class MappingDataError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid mapping data:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MappingDataError';
  }
}

type Raw = Record<string, unknown>;
type AttrValue = string | number | boolean;
const LEVELS: OxygenSupportLevel[] = ['low-flow', 'high-flow', 'positive-pressure'];

const bool = (v: AttrValue) =>
  v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
const grade = (v: AttrValue) => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 5 ? n : undefined;
};
const oneOf = (allowed: readonly string[]) => (v: AttrValue) =>
  typeof v === 'string' && allowed.includes(v) ? v : undefined;

/** Which attributes a concept may carry, and how to read them (ConceptMap products arrive as strings). */
const ATTRIBUTES: Partial<Record<ConceptId, Record<string, (v: AttrValue) => AttrValue | undefined>>> = {
  'b-all': { relapse: bool, remission: bool },
  crs: { grade },
  icans: { grade },
  hsct: { transplantType: oneOf(['allogeneic', 'autologous']) },
  'oxygen-support': { level: oneOf(LEVELS) },
};

function readJson(path: string, problems: string[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    problems.push(`${path}: not readable JSON (${(e as Error).message})`);
    return undefined;
  }
}

function compile(pattern: string, where: string, problems: string[]): TextPattern | undefined {
  try {
    return compileTextPattern(pattern);
  } catch (e) {
    problems.push(
      `${where}: bad regular expression ${JSON.stringify(pattern)} (RE2 syntax, linear-time): ${(e as Error).message}`,
    );
    return undefined;
  }
}

function isConceptId(id: unknown): id is ConceptId {
  return typeof id === 'string' && (CONCEPT_IDS as readonly string[]).includes(id);
}

function readAttributes(concept: ConceptId, raw: Raw | undefined, where: string, problems: string[]) {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const read = ATTRIBUTES[concept]?.[k];
    const value = read ? read(v as AttrValue) : undefined;
    if (value === undefined)
      problems.push(`${where}: attribute ${k}=${JSON.stringify(v)} not allowed for ${concept}`);
    else out[k] = value;
  }
  return out as ConceptAttributes;
}

function validator(ajv: Ajv, schemaDir: string, file: string): ValidateFunction {
  return ajv.compile(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object);
}

function checkSchema(validate: ValidateFunction, data: unknown, where: string, problems: string[]): boolean {
  if (validate(data)) return true;
  for (const e of validate.errors ?? [])
    problems.push(`${where}: ${e.instancePath || '/'} ${e.message ?? ''}`);
  return false;
}

/** Read and check mappings/ (concepts.json, units.json, schemas/, sources/*.json). Throws MappingDataError. */
export function loadMappings(dir: string): MappingSet {
  const problems: string[] = [];
  const schemaDir = join(dir, 'schemas');
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, 'factor-table.schema.json'), 'utf8')) as object);
  const conceptsFile = join(dir, 'concepts.json');
  const unitsFile = join(dir, 'units.json');
  const conceptsRaw = readJson(conceptsFile, problems);
  const unitsRaw = readJson(unitsFile, problems);
  const conceptsOk = checkSchema(
    validator(ajv, schemaDir, 'concepts.schema.json'),
    conceptsRaw,
    conceptsFile,
    problems,
  );
  const unitsOk = checkSchema(validator(ajv, schemaDir, 'units.schema.json'), unitsRaw, unitsFile, problems);
  if (!conceptsOk || !unitsOk) throw new MappingDataError(problems);

  const c = conceptsRaw as Raw;
  const systemAliases = new Map(Object.entries((c.systemAliases as Record<string, string>) ?? {}));
  const dotlessSystems = new Set((c.dotlessSystems as string[]) ?? []);
  const key = (system: string, code: string) => codingKey(system, code, systemAliases, dotlessSystems);

  const concepts = new Map<ConceptId, ConceptDefinition>();
  const codings = new Map<string, ConceptRule>();
  const textRules: TextRule[] = [];
  for (const [i, def] of (c.concepts as Raw[]).entries()) {
    const where = `${conceptsFile}: concepts[${i}]`;
    if (!isConceptId(def.id)) {
      problems.push(`${where}: unknown concept id ${JSON.stringify(def.id)}`);
      continue;
    }
    const id = def.id;
    if (concepts.has(id)) problems.push(`${where}: duplicate concept id ${id}`);
    const verified = def.verified as boolean;
    concepts.set(id, { id, label: def.label as string, role: def.role as ConceptRole, verified });
    for (const [j, cd] of (def.codings as Raw[]).entries()) {
      const k = key(cd.system as string, cd.code as string);
      const prev = codings.get(k);
      if (prev) problems.push(`${where}.codings[${j}]: ${k} already mapped to ${prev.concept}`);
      const attributes = readAttributes(id, cd.attributes as Raw, `${where}.codings[${j}]`, problems);
      codings.set(k, { concept: id, attributes, verified: (cd.verified as boolean | undefined) ?? verified });
    }
    for (const [j, t] of ((def.text as Raw[] | undefined) ?? []).entries()) {
      const unless =
        typeof t.unless === 'string' ? compile(t.unless, `${where}.text[${j}].unless`, problems) : undefined;
      const matched = compile(t.pattern as string, `${where}.text[${j}]`, problems);
      const regex = matched && excluding(matched, unless);
      const attributes = readAttributes(id, t.attributes as Raw, `${where}.text[${j}]`, problems);
      if (regex)
        textRules.push({ concept: id, regex, attributes, verified: (t.verified as boolean) ?? verified });
    }
  }
  const levelQualifiers: { regex: TextPattern; level: OxygenSupportLevel }[] = [];
  for (const [i, q] of ((c.levelQualifiers as Raw[] | undefined) ?? []).entries()) {
    const regex = compile(q.pattern as string, `${conceptsFile}: levelQualifiers[${i}]`, problems);
    if (regex) levelQualifiers.push({ regex, level: q.level as OxygenSupportLevel });
  }
  const gradeExtensionUrl =
    compile(
      (c.gradeExtensionUrlPattern as string) ?? '-grade$',
      `${conceptsFile}: gradeExtensionUrlPattern`,
      problems,
    ) ?? compileTextPattern('-grade$');

  const units = buildUnitRules(unitsRaw as Raw, unitsFile, problems);
  const sources = loadSources(dir, ajv, schemaDir, key, problems);
  if (problems.length > 0) throw new MappingDataError(problems);
  return {
    concepts,
    codings,
    textRules,
    sources,
    systemAliases,
    dotlessSystems,
    levelQualifiers,
    gradeExtensionUrl,
    units,
  };
}

/** mappings/sources/<sourceId>.json: one FHIR R4 ConceptMap per source, local code → concept id. */
function loadSources(
  dir: string,
  ajv: Ajv,
  schemaDir: string,
  key: (system: string, code: string) => string,
  problems: string[],
): Map<string, Map<string, ConceptRule>> {
  const sources = new Map<string, Map<string, ConceptRule>>();
  const sourceDir = join(dir, 'sources');
  if (!existsSync(sourceDir)) return sources;
  const validate = validator(ajv, schemaDir, 'concept-map.schema.json');
  for (const file of readdirSync(sourceDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const path = join(sourceDir, file);
    const sourceId = basename(file, '.json');
    const cm = readJson(path, problems) as Raw | undefined;
    if (cm === undefined || !checkSchema(validate, cm, path, problems)) continue;
    if (cm.id !== undefined && cm.id !== sourceId)
      problems.push(`${path}: ConceptMap.id ${String(cm.id)} ≠ ${sourceId}`);
    const rules = new Map<string, ConceptRule>();
    for (const [g, group] of (cm.group as Raw[]).entries()) {
      for (const [e, el] of (group.element as Raw[]).entries()) {
        const where = `${path}: group[${g}].element[${e}]`;
        const targets = (el.target as Raw[]).filter(
          (t) => t.equivalence !== 'unmatched' && t.equivalence !== 'disjoint',
        );
        if (targets.length > 1) problems.push(`${where}: maps one code to ${targets.length} concepts`);
        const t = targets[0];
        if (!t) continue;
        if (!isConceptId(t.code)) {
          problems.push(`${where}: unknown concept id ${JSON.stringify(t.code)}`);
          continue;
        }
        const products = Object.fromEntries(
          ((t.product as Raw[] | undefined) ?? []).map((p) => [p.property as string, p.value as string]),
        );
        const k = key(group.source as string, el.code as string);
        const prev = rules.get(k);
        if (prev && prev.concept !== t.code)
          problems.push(`${where}: ${k} already mapped to ${prev.concept}`);
        rules.set(k, {
          concept: t.code,
          attributes: readAttributes(t.code, products, where, problems),
          verified: false,
        });
      }
    }
    sources.set(sourceId, rules);
  }
  return sources;
}
