/**
 * A choice element `name[x]` holds one value of one type (https://hl7.org/fhir/R4/formats.html#choice):
 * `valueString` and `valueQuantity` side by side is an error. @medplum/core only warns.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import { elementOf, type TypedNode } from './typed-walk';

export function choiceIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  // Most objects hold one choice element at most: count only once a second one turns up.
  let first: string | undefined;
  let seen: Map<string, number> | undefined;
  // for…in: no key list allocated for each of the thousands of objects a payload holds.
  for (const key in node.value) {
    if (!Object.hasOwn(node.value, key) || key.charCodeAt(0) === 95 /* _ */) continue;
    const choice = elementOf(node.schema, key)?.choice;
    if (choice === undefined) continue;
    if (first === undefined) first = choice;
    else {
      seen ??= new Map([[first, 1]]);
      seen.set(choice, (seen.get(choice) ?? 0) + 1);
    }
  }
  if (!seen) return NO_ISSUES;
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
