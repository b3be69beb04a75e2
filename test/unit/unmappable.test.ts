/** Unmappable (mapping/result.ts): an Error carrying its issue, thrown per resource without a captured stack. */
import { Unmappable } from '../../src/mapping/result';

test('carries its expression, diagnostics and code, and is an Error named Unmappable', () => {
  const e = new Unmappable('Observation.valueQuantity', 'unit "1" is not a mass', 'not-supported');
  expect(e).toBeInstanceOf(Error);
  expect(e).toBeInstanceOf(Unmappable);
  expect([e.name, e.message, e.expression, e.diagnostics, e.code]).toEqual([
    'Unmappable',
    'unit "1" is not a mass',
    'Observation.valueQuantity',
    'unit "1" is not a mass',
    'not-supported',
  ]);
  expect(new Unmappable('x', 'y').code).toBe('value');
});

test('captures no stack frames and leaves the stack limit of other errors as it was', () => {
  const limit = Error.stackTraceLimit;
  expect(new Unmappable('x', 'y').stack ?? '').not.toContain('    at ');
  expect(Error.stackTraceLimit).toBe(limit);
  expect(new Error('other').stack).toContain('    at ');
});
