import type { Bundle } from '@medplum/fhirtypes';
import { duplicateFullUrlIssues, overlapIssues, parsePayload } from '../../src/ingest/entries';
import { FhirError } from '../../src/fhir/outcome';

const patient = { resourceType: 'Patient', id: 'p1' };

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FhirError);
    return (e as FhirError).outcome.issue;
  }
  throw new Error('expected a FhirError');
}

describe('parsePayload', () => {
  test('a single resource with an id is a PUT of that id', () => {
    const p = parsePayload(patient);
    expect(p.kind).toBe('single');
    expect(p.entries).toEqual([{ index: 0, method: 'PUT', localId: 'p1', resource: patient }]);
  });

  test('transaction entries keep their order and request lines', () => {
    const b: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient' },
          request: { method: 'POST', url: 'Patient' },
          fullUrl: 'urn:uuid:a',
        },
        { resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: 'Patient/x' } },
      ],
    };
    const p = parsePayload(b);
    expect(p.entries.map((e) => [e.index, e.method, e.localId, e.fullUrl])).toEqual([
      [0, 'POST', undefined, 'urn:uuid:a'],
      [1, 'PUT', 'x', undefined],
    ]);
  });

  test.each([
    ['no resource', { request: { method: 'POST', url: 'Patient' } }, 'Bundle.entry[0].resource', 'required'],
    [
      'unknown type',
      { resource: { resourceType: 'Nope' }, request: { method: 'POST', url: 'Nope' } },
      'Bundle.entry[0].resource.resourceType',
      'not-supported',
    ],
    [
      'DELETE',
      { resource: patient, request: { method: 'DELETE', url: 'Patient/p1' } },
      'Bundle.entry[0].request.method',
      'not-supported',
    ],
    [
      'PUT url of another type',
      { resource: patient, request: { method: 'PUT', url: 'Observation/p1' } },
      'Bundle.entry[0].request.url',
      'value',
    ],
    [
      'PUT id mismatch',
      { resource: patient, request: { method: 'PUT', url: 'Patient/p2' } },
      'Bundle.entry[0].resource.id',
      'value',
    ],
    [
      'bad id',
      { resource: { resourceType: 'Patient', id: 'a b' }, request: { method: 'POST', url: 'Patient' } },
      'Patient.id',
      'value',
    ],
  ])('entry problem: %s', (_name, entry, expression, code) => {
    const p = parsePayload({ resourceType: 'Bundle', type: 'batch', entry: [entry] } as Bundle);
    expect(p.entries).toEqual([]);
    const [i] = p.entryIssues.get(0)!;
    expect(i.expression).toEqual([expression]);
    expect(i.code).toBe(code);
  });

  test('bundle-level problems throw a 400', () => {
    expect(issuesOf(() => parsePayload({ resourceType: 'Bundle', type: 'searchset' }))[0].expression).toEqual(
      ['Bundle.type'],
    );
    expect(
      issuesOf(() => parsePayload({ resourceType: 'Bundle', type: 'batch', entry: {} }))[0].expression,
    ).toEqual(['Bundle.entry']);
    expect(issuesOf(() => parsePayload([patient]))[0].code).toBe('structure');
    expect(issuesOf(() => parsePayload({ id: 'x' }))[0].code).toBe('required');
  });

  test('a message Bundle accepts only its focus resources', () => {
    const b = {
      resourceType: 'Bundle',
      type: 'message',
      entry: [
        {
          resource: {
            resourceType: 'MessageHeader',
            eventCoding: { code: 'x' },
            source: { endpoint: 'x' },
            focus: [{ reference: 'Patient/p1' }],
          },
        },
        { resource: patient },
        { resource: { resourceType: 'Patient', id: 'other' } },
      ],
    };
    const p = parsePayload(b);
    expect(p.kind).toBe('message');
    expect(p.entries.map((e) => e.localId)).toEqual(['p1']);
    expect(p.requestCount).toBe(3);
    expect(issuesOf(() => parsePayload({ ...b, entry: b.entry.slice(1) }))[0].expression).toEqual([
      'Bundle.entry[0].resource',
    ]);
  });

  test('a Subscription is refused where it would be stored, not as context of a message', () => {
    const sub = { resourceType: 'Subscription', id: 's1', status: 'requested' };
    const header = {
      resourceType: 'MessageHeader',
      eventCoding: { code: 'x' },
      source: { endpoint: 'x' },
      focus: [{ reference: 'Patient/p1' }, { reference: 'Subscription/focus' }],
    };
    const message = parsePayload({
      resourceType: 'Bundle',
      type: 'message',
      entry: [header, patient, sub, { ...sub, id: 'focus' }].map((resource) => ({ resource })),
    });
    expect(message.entries.map((e) => e.localId)).toEqual(['p1']);
    expect([...message.entryIssues.keys()]).toEqual([3]);
    for (const type of ['batch', 'collection'] as const) {
      const p = parsePayload({
        resourceType: 'Bundle',
        type,
        entry: [patient, sub].map((resource) => ({
          resource,
          request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
        })),
      });
      expect(p.entries.map((e) => e.localId)).toEqual(['p1']);
      expect(p.entryIssues.get(1)?.[0]).toMatchObject({
        code: 'not-supported',
        expression: ['Bundle.entry[1].resource.resourceType'],
      });
    }
    expect(issuesOf(() => parsePayload(sub))[0].code).toBe('not-supported');
  });

  test('a transaction naming one resource in two entries is refused at the later ones; a batch is not', () => {
    const obs = (id?: string, note?: string) => ({
      resourceType: 'Observation',
      ...(id ? { id } : {}),
      status: 'final',
      code: { text: note ?? 'x' },
    });
    const entry = [
      { resource: obs('o1'), request: { method: 'PUT', url: 'Observation/o1' } },
      { resource: obs(undefined, 'a'), request: { method: 'POST', url: 'Observation' } },
      { resource: obs('o1', 'b'), request: { method: 'POST', url: 'Observation' } },
      { resource: patient, request: { method: 'PUT', url: 'Patient/p1' } },
      { resource: obs('o1', 'c'), request: { method: 'PUT', url: 'Observation/o1' } },
      // Same id, another type: another resource.
      { resource: { resourceType: 'Patient', id: 'o1' }, request: { method: 'PUT', url: 'Patient/o1' } },
      // Two identical id-less resources are one content-derived resource, sent twice.
      { resource: obs(undefined, 'a'), request: { method: 'POST', url: 'Observation' } },
    ];
    const tx = parsePayload({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
    const overlaps = overlapIssues(tx);
    expect([...overlaps.keys()]).toEqual([2, 4]);
    expect(overlaps.get(4)).toEqual([
      {
        severity: 'error',
        code: 'business-rule',
        diagnostics:
          'Bundle.entry[4] changes the same resource (type and id) as Bundle.entry[0]: a transaction changes each resource at most once',
        expression: ['Bundle.entry[4]'],
      },
    ]);
    // parsePayload itself keeps every entry: the rule is the API's (payloads recorded earlier are
    // processed as they were accepted).
    expect(tx.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const batch = parsePayload({ resourceType: 'Bundle', type: 'batch', entry } as Bundle);
    expect(overlapIssues(batch).size).toBe(0);
  });

  test('two entries with one fullUrl (bdl-7) are found, unless their meta.versionId differs', () => {
    const entry = (fullUrl: string, versionId?: string) => ({
      fullUrl,
      resource: { resourceType: 'Patient', ...(versionId ? { meta: { versionId } } : {}) },
      request: { method: 'POST', url: 'Patient' },
    });
    const issues = (entries: unknown[], type = 'batch') =>
      duplicateFullUrlIssues(parsePayload({ resourceType: 'Bundle', type, entry: entries } as Bundle));
    expect(issues([entry('urn:uuid:a'), entry('urn:uuid:b'), entry('urn:uuid:a')])).toEqual([
      {
        severity: 'error',
        code: 'invariant',
        diagnostics:
          'Constraint bdl-7 not met: Bundle.entry[2] has the fullUrl of Bundle.entry[0] (and the same meta.versionId)',
        expression: ['Bundle.entry[2].fullUrl'],
      },
    ]);
    expect(issues([entry('urn:uuid:a', '1'), entry('urn:uuid:a', '2')], 'transaction')).toEqual([]);
    expect(issues([entry('urn:uuid:a', '1'), entry('urn:uuid:a', '1')], 'collection')).toHaveLength(1);
  });

  test('a collection Bundle upserts every resource', () => {
    const p = parsePayload({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient }, { resource: { resourceType: 'Observation' } }],
    });
    expect(p.entries.map((e) => e.method)).toEqual(['PUT', 'POST']);
  });
});

test('a message whose MessageHeader.focus is malformed is a 400, not a crash', () => {
  const header = (focus: unknown) => ({
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        resource: {
          resourceType: 'MessageHeader',
          eventCoding: { code: 'x' },
          source: { endpoint: 'x' },
          focus,
        },
      },
    ],
  });
  expect(issuesOf(() => parsePayload(header({ reference: 'Patient/1' })))[0].expression).toEqual([
    'Bundle.entry[0].resource.focus',
  ]);
  expect(parsePayload(header([null, { reference: 'Patient/1' }])).entries).toEqual([]);
});
