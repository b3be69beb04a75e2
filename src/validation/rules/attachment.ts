/**
 * Attachment consistency (https://hl7.org/fhir/R4/datatypes.html#Attachment): `size` is the number of
 * bytes of the data before base64 encoding, so with inline `data` it must match the decoded length.
 * (att-1, data needs a contentType, is a data-type invariant.) `hash` is not compared: the HL7 validator
 * does not, and the R4 example DiagnosticReport-example-pgx carries a hex digest there.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import { base64ByteLength, isSpecBase64 } from './primitive-values';
import type { TypedNode } from './typed-walk';

export function attachmentIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  if (node.type !== 'Attachment') return NO_ISSUES;
  const { data, size } = node.value;
  if (typeof data !== 'string' || typeof size !== 'number' || !isSpecBase64(data)) return NO_ISSUES;
  if (size === base64ByteLength(data)) return NO_ISSUES;
  return [
    issue(
      'error',
      'value',
      'Attachment.size does not match the number of bytes in data',
      `${node.path}.size`,
    ),
  ];
}
