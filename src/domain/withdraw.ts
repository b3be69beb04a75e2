import type { Resource } from '@medplum/fhirtypes';

/**
 * A derived output (course or flag) that re-assembly no longer produces — because the evidence it
 * rested on was corrected or entered-in-error — is not deleted: a new version with status
 * `entered-in-error` is saved, so a registry that pulled it sees it withdrawn (clinical-rules.md §3).
 */
export function withdrawn(previous: Resource): Resource {
  const { meta, ...rest } = previous as Resource & { status?: string };
  const copy = { ...rest, status: 'entered-in-error' } as Resource;
  if (meta?.profile) copy.meta = { profile: meta.profile };
  return copy;
}

export function isWithdrawn(r: Resource): boolean {
  return (r as { status?: string }).status === 'entered-in-error';
}
