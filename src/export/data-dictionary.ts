/**
 * The registry CSV's data dictionary, generated from profiles/registry-row.schema.json (the schema is the
 * contract; the dictionary is its readable form). `scripts/build-data-dictionary.ts` writes it to
 * profiles/registry-row.dictionary.md (formatted with the repository's prettier settings); a test fails
 * when the committed file is stale.
 */

interface ColumnSchema {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  oneOf?: ColumnSchema[];
}

export interface RowSchema {
  description?: string;
  $defs: Record<string, { required?: string[]; properties?: Record<string, ColumnSchema> } & ColumnSchema>;
}

function typeOf(c: ColumnSchema, defs: RowSchema['$defs']): string {
  if (c.const !== undefined) return `"${String(c.const)}"`;
  if (c.enum) return c.enum.map((v) => (v === null ? 'null' : `\`${String(v)}\``)).join(', ');
  if (c.$ref) {
    const name = c.$ref.split('/').pop()!;
    const def = defs[name];
    if (def?.enum) return typeOf(def, defs);
    return def?.description ? `${name} (${def.description})` : name;
  }
  if (c.oneOf) return c.oneOf.map((o) => typeOf(o, defs)).join(' or ');
  if (Array.isArray(c.type)) return c.type.join(' or ');
  return c.type ?? 'any';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function dataDictionary(schema: RowSchema): string {
  const lines = [
    '# Registry CSV data dictionary',
    '',
    'Generated from `registry-row.schema.json` by `scripts/build-data-dictionary.ts`; do not edit by hand.',
    '',
    schema.description ?? '',
  ];
  for (const [table, def] of [
    ['courses', 'courseRow'],
    ['flags', 'flagRow'],
  ] as const) {
    const row = schema.$defs[def]!;
    lines.push(
      '',
      `## \`table=${table}\` (${def})`,
      '',
      '| # | column | type | description |',
      '| - | - | - | - |',
    );
    (row.required ?? []).forEach((name, i) => {
      const col = row.properties?.[name] ?? {};
      lines.push(
        `| ${i + 1} | \`${name}\` | ${cell(typeOf(col, schema.$defs))} | ${cell(col.description ?? '')} |`,
      );
    });
  }
  return lines.join('\n') + '\n';
}
