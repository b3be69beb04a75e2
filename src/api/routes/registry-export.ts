/**
 * Flat export for statisticians (scope `export`): `GET /fhir/$registry-export?format=csv&table=courses|flags`
 * → CSV with the columns of profiles/registry-row.schema.json, one row per course or per flag of the
 * caller's source, streamed patient by patient.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { FhirError, issue } from '../../fhir/outcome';
import { registryCsv, TABLES } from '../../export/registry-export';
import type { Table } from '../../export/registry-rows';
import type { Store } from '../../store/store';
import { requireScope, sourceOf } from '../auth';
import type { Capabilities } from './metadata';

export async function registryExportRoutes(
  app: FastifyInstance,
  deps: { store: Store; caps: Capabilities },
): Promise<void> {
  deps.caps.systemOperations.push({
    name: 'registry-export',
    definition: 'http://bitebridge.dev/fhir/OperationDefinition/registry-export',
  });

  app.get<{ Querystring: { format?: string; table?: string } }>(
    '/fhir/$registry-export',
    { onRequest: requireScope('export') },
    async (req, reply) => {
      const source = sourceOf(req);
      const format = req.query.format ?? 'csv';
      const table = (req.query.table ?? 'courses') as Table;
      if (format !== 'csv' && format !== 'text/csv')
        throw new FhirError(400, issue('not-supported', 'format must be csv', 'format'));
      if (!TABLES.includes(table))
        throw new FhirError(400, issue('value', `table must be one of ${TABLES.join(', ')}`, 'table'));
      let rejected = 0;
      const rows = registryCsv(deps.store, table, {
        source,
        onReject: (rowId, errors) => {
          rejected++;
          req.log.error({ rowId, errors, rejected }, 'registry row failed its schema; left out');
        },
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="${table}.csv"`)
        .send(Readable.from(rows));
    },
  );
}
