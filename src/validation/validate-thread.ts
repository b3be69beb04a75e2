/**
 * The body of a `$validate` worker thread (see validation-pool.ts): one call, one OperationOutcome.
 * Definitions, JSON Schema and profiles load once, when the thread starts.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { validateForOperation } from './validate-operation';
import { warmUpValidation } from './index';

export interface ValidateTask {
  body: unknown;
  resourceType?: string;
  profileUrl?: string;
}

warmUpValidation();

export default function validateTask(task: ValidateTask): OperationOutcome {
  return validateForOperation(task.body, task.resourceType, task.profileUrl);
}
