/**
 * A choice element `name[x]` holds one value of one type (https://hl7.org/fhir/R4/formats.html#choice):
 * `valueString` and `valueQuantity` side by side is an error. @medplum/core only warns.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../issues';
import { elementOf, type TypedNode } from './typed-walk';

export function choiceIssues(node: TypedNode): OperationOutcomeIssue[] {
  const seen = new Map<string, number>();
  for (const key of Object.keys(node.value)) {
    if (key.startsWith('_')) continue;
    const choice = elementOf(node.schema, key)?.choice;
    if (choice !== undefined) seen.set(choice, (seen.get(choice) ?? 0) + 1);
  }
  return [...seen]
    .filter(([, count]) => count > 1)
    .map(([choice, count]) =>
      issue(
        'error',
        'structure',
        `${choice}[x] holds ${count} values; a choice element takes one type`,
        `${node.path}.${choice}[x]`,
      ),
    );
}
