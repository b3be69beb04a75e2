import { createHash } from 'node:crypto';

/**
 * Stable flag id: a hash of (course id, code, episode key), so re-assembly of the same data gives
 * the same DetectedIssue id and a new version replaces the old one. `cf-` + 40 hex digits: a valid
 * FHIR id ([A-Za-z0-9\-.]{1,64}).
 */
export function flagId(courseId: string, code: string, episodeKey: string): string {
  return `cf-${createHash('sha256').update(`${courseId}\u0000${code}\u0000${episodeKey}`).digest('hex').slice(0, 40)}`;
}
