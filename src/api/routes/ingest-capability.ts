/**
 * What the ingest endpoints promise per resource type, stated exactly (GET /fhir/metadata):
 * create and update; `versioned-update`: If-Match with our ETag is enforced (412 on mismatch);
 * conditional create: If-None-Exist with `identifier=system|value` only (one match → 200 with its
 * location, none → created); If-None-Match (`*` or an ETag) is honoured on writes (412 when the
 * stored version matches); conditional update/delete by search are not supported.
 */
import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

export const INGEST_CAPABILITY: Partial<CapabilityStatementRestResource> = {
  interaction: [{ code: 'create' }, { code: 'update' }],
  versioning: 'versioned-update',
  updateCreate: true,
  conditionalCreate: true,
  conditionalUpdate: false,
  conditionalDelete: 'not-supported',
  documentation:
    'Writes: If-Match (our ETag; 412 on mismatch); If-None-Match (* or ETag; 412 when it matches the stored version); If-None-Exist: identifier=system|value only. A sender version older than the stored one (meta.versionId when both numeric, else meta.lastUpdated) is not applied; the entry answer says so.',
};
