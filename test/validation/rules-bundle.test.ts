/** Bundle integrity per Bundle type, each rule with a failing and a passing example. */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isError, validateBundle } from '../../src/validation';

const errors = (b: unknown): OperationOutcomeIssue[] => {
  const { bundleIssues, entries } = validateBundle(b);
  return [...bundleIssues, ...entries.flat()].filter(isError);
};
const patient = (id?: string) => ({ resourceType: 'Patient', ...(id ? { id } : {}) });
const obs = (subject: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  subject: { reference: subject },
});
const post = (fullUrl: string, resource: unknown, url = 'Patient') => ({
  fullUrl,
  resource,
  request: { method: 'POST', url },
});
const U1 = 'urn:uuid:6c6b9b5c-1b5e-4a8e-9d2a-7d0c1f0e8a11';
const U2 = 'urn:uuid:0d3f2c1a-2b4e-4c5d-8e9f-a1b2c3d4e5f6';

describe('fullUrl', () => {
  it('rejects a RESTful fullUrl naming another id or type', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'http://x.org/fhir/Patient/a', resource: patient('b') }],
    };
    expect(errors(b)).toEqual([
      expect.objectContaining({ code: 'invalid', expression: ['Bundle.entry[0].fullUrl'] }),
    ]);
    const c = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'http://x.org/fhir/Group/a', resource: patient('a') }],
    };
    expect(errors(c)).toEqual([
      expect.objectContaining({ code: 'invalid', expression: ['Bundle.entry[0].fullUrl'] }),
    ]);
  });
  it('rejects a relative fullUrl', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'Patient/a', resource: patient('a') }],
    };
    expect(errors(b)).toEqual([
      expect.objectContaining({ code: 'value', expression: ['Bundle.entry[0].fullUrl'] }),
    ]);
  });
  it('accepts matching RESTful and urn:uuid fullUrls', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'http://x.org/fhir/Patient/a', resource: patient('a') },
        { fullUrl: U1, resource: patient() },
      ],
    };
    expect(errors(b)).toEqual([]);
  });
  it('rejects duplicate fullUrls (bdl-7)', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: U1, resource: patient() },
        { fullUrl: U1, resource: patient() },
      ],
    };
    expect(errors(b)).toEqual([expect.objectContaining({ code: 'invariant', expression: ['Bundle'] })]);
  });
});

describe('references inside a transaction', () => {
  it('rejects a urn:uuid reference to no entry', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        post(U1, patient()),
        post(U2, obs('urn:uuid:00000000-0000-0000-0000-000000000000'), 'Observation'),
      ],
    };
    expect(errors(b)).toEqual([
      expect.objectContaining({ code: 'not-found', expression: ['Bundle.entry[1].resource.subject'] }),
    ]);
  });
  it('accepts a urn:uuid reference to an entry and a relative reference to the server', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        post(U1, patient()),
        post(U2, obs(U1), 'Observation'),
        post('urn:uuid:1d3f2c1a-2b4e-4c5d-8e9f-a1b2c3d4e5f6', obs('Patient/on-the-server'), 'Observation'),
      ],
    };
    expect(errors(b)).toEqual([]);
  });
});

describe('references inside a document', () => {
  const composition = (subject: string) => ({
    resourceType: 'Composition',
    status: 'final',
    type: { text: 'summary' },
    date: '2024-01-01',
    author: [{ display: 'x' }],
    title: 'x',
    subject: { reference: subject },
  });
  const doc = (subject: string) => ({
    resourceType: 'Bundle',
    type: 'document',
    identifier: { system: 'http://x.org', value: '1' },
    timestamp: '2024-01-01T00:00:00Z',
    entry: [
      { fullUrl: 'http://x.org/fhir/Composition/c', resource: { ...composition(subject), id: 'c' } },
      { fullUrl: 'http://x.org/fhir/Patient/p', resource: patient('p') },
    ],
  });
  it('rejects a reference to a resource not in the document', () => {
    expect(errors(doc('Patient/elsewhere'))).toEqual([
      expect.objectContaining({ code: 'not-found', expression: ['Bundle.entry[0].resource.subject'] }),
    ]);
  });
  it('accepts a relative reference resolved against the fullUrl base', () => {
    expect(errors(doc('Patient/p'))).toEqual([]);
  });
});

describe('searchset', () => {
  it('rejects an entry without fullUrl, but not the outcome entry', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: patient('a'), search: { mode: 'match' } },
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'warning', code: 'informational' }],
          },
          search: { mode: 'outcome' },
        },
      ],
    };
    expect(errors(b)).toEqual([
      expect.objectContaining({ code: 'required', expression: ['Bundle.entry[0].fullUrl'] }),
    ]);
  });
});
