/**
 * Turns ajv errors from the FHIR JSON Schema into OperationOutcome issues with FHIRPath locations.
 * Diagnostics describe the rule broken, never the submitted value.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorObject } from 'ajv';
import { pointerToFhirPath, rootNameOf, safeElementName } from './fhirpath-expression';
import { issue } from './issues';

const MAX_LISTED_CODES = 25;

/** Names primitive formats in diagnostics ("Invalid dateTime format") from the schema's patterns. */
export type PatternNames = ReadonlyMap<string, string>;

export function jsonSchemaIssues(
  resource: unknown,
  errors: ErrorObject[],
  patternNames: PatternNames,
): OperationOutcomeIssue[] {
  const root = rootNameOf(resource);
  const out: OperationOutcomeIssue[] = [];
  for (const e of errors) {
    const at = pointerToFhirPath(resource, e.instancePath, root);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties':
        out.push(
          issue(
            'error',
            'structure',
            `Unknown element "${safeElementName(String(p.additionalProperty))}"`,
            `${at}.${safeElementName(String(p.additionalProperty))}`,
          ),
        );
        break;
      case 'required':
        out.push(
          issue('error', 'required', 'Missing required element', `${at}.${String(p.missingProperty)}`),
        );
        break;
      case 'enum': {
        const allowed = (p.allowedValues as unknown[]).map(String);
        const listed = allowed.slice(0, MAX_LISTED_CODES).join(', ');
        const more = allowed.length > MAX_LISTED_CODES ? ', …' : '';
        out.push(
          issue(
            'error',
            'code-invalid',
            `Code not in the required value set (allowed: ${listed}${more})`,
            at,
          ),
        );
        break;
      }
      case 'const':
        out.push(issue('error', 'value', `Value must be ${JSON.stringify(p.allowedValue)}`, at));
        break;
      case 'type':
        out.push(issue('error', 'structure', `Wrong JSON type: expected ${String(p.type)}`, at));
        break;
      case 'pattern': {
        const name = patternNames.get(String(p.pattern));
        out.push(issue('error', 'value', name ? `Invalid ${name} format` : 'Invalid value format', at));
        break;
      }
      case 'discriminator':
        out.push(
          p.error === 'tag'
            ? issue('error', 'required', 'Missing or non-string resourceType', `${at}.resourceType`)
            : issue('error', 'not-supported', 'Unknown FHIR R4 resource type', `${at}.resourceType`),
        );
        break;
      case 'oneOf':
      case 'if':
        // A summary of errors already reported on the chosen branch.
        break;
      case 'minItems':
      case 'maxItems':
        out.push(issue('error', 'structure', `Array ${e.message ?? 'has the wrong number of items'}`, at));
        break;
      default:
        out.push(issue('error', 'value', `Value ${e.message ?? 'is invalid'}`, at));
    }
  }
  return out;
}
