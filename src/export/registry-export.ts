/**
 * Streams the flat registry export as CSV, patient by patient: every row is validated against
 * profiles/registry-row.schema.json before it is written, and the column order is the schema's
 * `required` list, so a schema change is a data change. A row that fails validation is a bug in a
 * derived output: it is left out and reported through `onReject` (ids and schema paths only).
 */
import type { DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import type { ValidateFunction } from 'ajv';
import { belongsTo } from '../identity';
import type { Store } from '../store/store';
import { getJsonSchema } from '../validation';
import { compareRows, courseRow, csvHeader, csvLine, flagRow, type Row, type Table } from './registry-rows';

export const REGISTRY_ROW_SCHEMA = 'http://bitebridge.dev/fhir/schema/registry-row';
export const TABLES: Table[] = ['courses', 'flags'];

interface RowSchema {
  $defs: Record<string, { required: string[] }>;
}

function validator(): ValidateFunction {
  const v = getJsonSchema(REGISTRY_ROW_SCHEMA);
  if (!v)
    throw new Error(`JSON Schema ${REGISTRY_ROW_SCHEMA} is not loaded (profiles/registry-row.schema.json)`);
  return v;
}

export function registryColumns(table: Table): string[] {
  const schema = validator().schema as RowSchema;
  return schema.$defs[table === 'courses' ? 'courseRow' : 'flagRow'].required;
}

export interface RegistryExportOptions {
  /** Only this source's patients (API: the token's source); all patients when absent (CLI). */
  source?: string;
  onReject?: (rowId: string, errors: string[]) => void;
  /** Called after each patient of the source (progress). */
  onPatient?: () => void;
}

export async function* registryCsv(
  store: Store,
  table: Table,
  opts: RegistryExportOptions = {},
): AsyncGenerator<string> {
  const validate = validator();
  const columns = registryColumns(table);
  yield csvHeader(columns);
  // Rows sorted by patient (then course, then time): the ids are collected and sorted first (ids only,
  // small), rows are still produced one patient at a time.
  const patients: string[] = [];
  for await (const patient of store.patients())
    if (!opts.source || belongsTo(patient, opts.source)) patients.push(patient);
  patients.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const patient of patients) {
    // Withdrawn courses and flags (entered-in-error) are not rows: one row per current course or flag.
    const outputs = [...(await store.currentOutputs(patient)).values()]
      .map((o) => o.resource)
      .filter((r) => (r as { status?: string }).status !== 'entered-in-error');
    const flags = outputs.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue');
    const rows: Row[] =
      table === 'courses'
        ? outputs
            .filter((r): r is MedicationStatement => r.resourceType === 'MedicationStatement')
            .map((ms) => courseRow(ms, flags))
        : flags.map(flagRow);
    rows.sort(compareRows);
    for (const row of rows) {
      const ok = validate(row) as boolean;
      if (ok) yield csvLine(columns, row);
      else
        opts.onReject?.(
          String(row.courseId ?? row.flagId),
          (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`),
        );
    }
    opts.onPatient?.();
  }
}
