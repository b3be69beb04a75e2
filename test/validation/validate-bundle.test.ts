import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { entryIndexOf, isError, validateBundle } from '../../src/validation';

const obs = (status: string, id: string) => ({
  resourceType: 'Observation',
  id,
  status,
  code: { coding: [{ system: 'http://loinc.org', code: '11150-0' }] },
  subject: { reference: 'Patient/h1.p1' },
});
const post = (resource: unknown) => ({
  resource,
  request: { method: 'POST', url: String((resource as { resourceType: string }).resourceType) },
});
const batch = (entry: unknown[], type = 'batch'): Bundle =>
  ({ resourceType: 'Bundle', type, entry }) as unknown as Bundle;
const expressions = (issues: OperationOutcomeIssue[]): string[] => issues.flatMap((i) => i.expression ?? []);

describe('validateBundle: per-entry outcomes', () => {
  it('reports each invalid entry by index and FHIRPath, and nothing for the valid ones', () => {
    const result = validateBundle(
      batch([
        post(obs('final', 'a')),
        post(obs('done', 'b')),
        post(obs('final', 'c')),
        post({ ...obs('final', 'd'), colour: 1 }),
      ]),
    );
    expect(result.bundleIssues).toEqual([]);
    expect(result.entries).toHaveLength(4);
    expect(result.entries[0]).toEqual([]);
    expect(result.entries[2]).toEqual([]);
    expect(result.entries[1]).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'code-invalid',
        expression: ['Bundle.entry[1].resource.status'],
      }),
    ]);
    expect(expressions(result.entries[3])).toEqual(['Bundle.entry[3].resource.colour']);
  });

  it('one bad entry does not hide the others', () => {
    const result = validateBundle(
      batch([post(obs('done', 'a')), post({ resourceType: 'Patient', birthDate: 'soon' })]),
    );
    expect(expressions(result.entries[0])).toEqual(['Bundle.entry[0].resource.status']);
    expect(expressions(result.entries[1])).toEqual(['Bundle.entry[1].resource.birthDate']);
  });

  it('a valid transaction has no issues at all', () => {
    const result = validateBundle(
      batch([post(obs('final', 'a')), post({ resourceType: 'Patient', id: 'p' })], 'transaction'),
    );
    expect(result).toEqual({ bundleIssues: [], entries: [[], []] });
  });
});

describe('validateBundle: bundle-level problems', () => {
  const cases: { name: string; bundle: unknown; expression: string; code: string }[] = [
    {
      name: 'entry without resource',
      bundle: batch([{ request: { method: 'POST', url: 'Observation' } }]),
      expression: 'Bundle.entry[0].resource',
      code: 'required',
    },
    {
      name: 'missing request in a batch',
      bundle: batch([post(obs('final', 'a')), { resource: obs('final', 'b') }]),
      expression: 'Bundle.entry[1].request',
      code: 'required',
    },
    {
      name: 'missing request in a transaction',
      bundle: batch([{ resource: obs('final', 'b') }], 'transaction'),
      expression: 'Bundle.entry[0].request',
      code: 'required',
    },
    {
      name: 'unknown resourceType in an entry',
      bundle: batch([post({ resourceType: 'Spaceship' })]),
      expression: 'Bundle.entry[0].resource.resourceType',
      code: 'not-supported',
    },
    { name: 'bad Bundle.type', bundle: batch([], 'pile'), expression: 'Bundle.type', code: 'code-invalid' },
    {
      name: 'bad request method',
      bundle: batch([{ resource: obs('final', 'a'), request: { method: 'FETCH', url: 'Observation' } }]),
      expression: 'Bundle.entry[0].request.method',
      code: 'code-invalid',
    },
    {
      name: 'entry that is not an object',
      bundle: batch([42]),
      expression: 'Bundle.entry[0]',
      code: 'structure',
    },
    {
      name: 'message without MessageHeader first',
      bundle: { resourceType: 'Bundle', type: 'message', entry: [{ resource: obs('final', 'a') }] },
      expression: 'Bundle.entry[0].resource',
      code: 'invariant',
    },
    { name: 'not a Bundle', bundle: obs('final', 'a'), expression: 'Bundle', code: 'structure' },
  ];
  it.each(cases)('$name', ({ bundle, expression, code }) => {
    const { bundleIssues } = validateBundle(bundle);
    expect(bundleIssues.filter(isError)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code, expression: [expression] })]),
    );
  });

  it('a GET or DELETE entry needs no resource', () => {
    const { bundleIssues } = validateBundle(batch([{ request: { method: 'DELETE', url: 'Observation/a' } }]));
    expect(bundleIssues).toEqual([]);
  });

  it('a message bundle with its MessageHeader first is fine, and its resources are checked one by one', () => {
    const header = {
      resourceType: 'MessageHeader',
      eventCoding: { system: 'http://x.org', code: 'e' },
      source: { endpoint: 'http://x.org' },
    };
    const result = validateBundle({
      resourceType: 'Bundle',
      type: 'message',
      entry: [{ resource: header }, { resource: obs('done', 'a') }],
    });
    expect(result.bundleIssues).toEqual([]);
    expect(expressions(result.entries[1])).toEqual(['Bundle.entry[1].resource.status']);
  });

  it('entryIndexOf finds the entry an issue is about', () => {
    const { bundleIssues } = validateBundle(
      batch([post(obs('final', 'a')), { request: { method: 'POST', url: 'Observation' } }]),
    );
    expect(bundleIssues.map(entryIndexOf)).toContain(1);
    expect(
      entryIndexOf({ severity: 'error', code: 'structure', expression: ['Bundle.type'] }),
    ).toBeUndefined();
  });
});
