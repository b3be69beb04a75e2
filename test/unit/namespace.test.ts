import fc from 'fast-check';
import {
  copyWithReferences,
  namespaceEntries,
  patientOf,
  SOURCE_TAG_SYSTEM,
} from '../../src/ingest/namespace';
import { fingerprint, serialised, stableStringify } from '../../src/ingest/canonical';
import { jsonDepth } from '../../src/ingest/json-limits';
import { belongsTo, localIdOf, namespacedId, sourceOf } from '../../src/identity';
import type { IncomingEntry } from '../../src/ingest/entries';

const obs = (id: string | undefined, subject: string): IncomingEntry => ({
  index: 0,
  method: id ? 'PUT' : 'POST',
  localId: id,
  resource: {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'x' },
    subject: { reference: subject },
  } as never,
});

describe('namespacing', () => {
  test('ids and relative references move into the source namespace', () => {
    const { prepared, issues } = namespaceEntries([obs('o1', 'Patient/123')], 'hospa');
    expect(issues.size).toBe(0);
    expect(prepared[0].key).toBe('Observation/hospa.o1');
    expect((prepared[0].resource as any).subject.reference).toBe('Patient/hospa.123');
    expect(prepared[0].patient).toBe('hospa.123');
    expect(prepared[0].resource.meta?.tag).toEqual([{ system: SOURCE_TAG_SYSTEM, code: 'hospa' }]);
  });

  test('the input is not modified', () => {
    const e = obs('o1', 'Patient/123');
    const before = JSON.stringify(e);
    namespaceEntries([e], 'hospa');
    expect(JSON.stringify(e)).toBe(before);
  });

  test('urn:uuid references resolve to bundle entries; dangling ones are reported', () => {
    const p: IncomingEntry = {
      index: 0,
      method: 'POST',
      fullUrl: 'urn:uuid:abc',
      resource: { resourceType: 'Patient' },
    };
    const o = { ...obs('o2', 'urn:uuid:abc'), index: 1 };
    const dangling = { ...obs('o3', 'urn:uuid:missing'), index: 2 };
    const { prepared, issues } = namespaceEntries([p, o, dangling], 'hospa');
    const pid = prepared[0].resource.id;
    expect(pid).toMatch(/^hospa\.h[0-9a-f]{31}$/);
    expect((prepared[1].resource as any).subject.reference).toBe(`Patient/${pid}`);
    expect(issues.get(2)![0].expression).toEqual(['Bundle.entry[2].resource.subject.reference']);
  });

  test('id-less resources get a content-derived id: the same content, the same id', () => {
    const a = namespaceEntries([obs(undefined, 'Patient/1')], 's').prepared[0].key;
    const b = namespaceEntries([obs(undefined, 'Patient/1')], 's').prepared[0].key;
    const c = namespaceEntries([obs(undefined, 'Patient/2')], 's').prepared[0].key;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  test("the sender's versionId is kept aside, not stored as ours", () => {
    const e = obs('o1', 'Patient/1');
    (e.resource as any).meta = { versionId: '9', lastUpdated: '2020-01-01T00:00:00Z' };
    const [p] = namespaceEntries([e], 's').prepared;
    expect(p.clientVersionId).toBe('9');
    expect(p.resource.meta?.versionId).toBeUndefined();
    expect(p.resource.meta?.lastUpdated).toBeUndefined();
  });

  test('an id too long once namespaced is an issue', () => {
    const { prepared, issues } = namespaceEntries([obs('x'.repeat(64), 'Patient/1')], 'hospa');
    expect(prepared).toEqual([]);
    expect(issues.get(0)![0].expression).toEqual(['Bundle.entry[0].resource.id']);
  });

  test('contained references and absolute URLs are left alone', () => {
    const e = obs('o1', '#p');
    (e.resource as any).performer = [{ reference: 'https://other.example/fhir/Practitioner/1' }];
    const [p] = namespaceEntries([e], 's').prepared;
    expect((p.resource as any).subject.reference).toBe('#p');
    expect((p.resource as any).performer[0].reference).toBe('https://other.example/fhir/Practitioner/1');
  });

  test('patientOf reads subject or patient, or the Patient itself', () => {
    expect(patientOf({ resourceType: 'Patient', id: 'a.1' })).toBe('a.1');
    expect(patientOf({ resourceType: 'AdverseEvent', subject: { reference: 'Patient/a.2' } } as never)).toBe(
      'a.2',
    );
    expect(patientOf({ resourceType: 'Medication' })).toBeUndefined();
  });

  test('identity helpers split at the first dot', () => {
    const id = namespacedId('hospa', 'x.y');
    expect(sourceOf(id)).toBe('hospa');
    expect(localIdOf(id)).toBe('x.y');
    expect(belongsTo(id, 'hospa')).toBe(true);
    expect(belongsTo(id, 'hosp')).toBe(false);
  });
});

describe('copyWithReferences', () => {
  test('a copy equal to a JSON round trip, keys sorted, sharing no object with its input (property)', () => {
    const digitKey = (v: unknown): boolean =>
      v !== null &&
      typeof v === 'object' &&
      (Array.isArray(v)
        ? v.some(digitKey)
        : Object.entries(v).some(([k, x]) => /^[0-9]/.test(k) || digitKey(x)));
    const rootDigitKeyOnly = (v: unknown): boolean =>
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.entries(v).every(([, x]) => !digitKey(x));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const unresolved: unknown[] = [];
        const { copy, sorted } = copyWithReferences(
          value,
          () => undefined,
          (s) => unresolved.push(s),
        );
        expect(copy).toEqual(JSON.parse(JSON.stringify(value)));
        // Keys sorted below the root (the root keeps the order sent): each element's JSON is its
        // canonical text, unless a key looks like an array index (JS lists those first), which the
        // walk reports.
        expect(sorted).toBe(!digitKey(value) || rootDigitKeyOnly(value));
        if (sorted && value !== null && typeof value === 'object' && !Array.isArray(value)) {
          expect(Object.keys(copy as object)).toEqual(Object.keys(value));
          for (const [k, x] of Object.entries(value))
            expect(JSON.stringify((copy as Record<string, unknown>)[k])).toBe(stableStringify(x));
        } else if (sorted) expect(JSON.stringify(copy)).toBe(stableStringify(value));
        expect(unresolved).toEqual([]);
        const shared = (a: unknown, b: unknown): boolean =>
          a !== null &&
          typeof a === 'object' &&
          (a === b || Object.keys(a).some((k) => shared((a as never)[k], (b as never)[k])));
        expect(shared(copy, value)).toBe(false);
      }),
    );
  });

  test('-0 becomes 0, as in a JSON round trip (JSON.parse reads "-0" as -0)', () => {
    const { copy } = copyWithReferences(
      JSON.parse('{"valueQuantity":{"value":-0},"x":[-0,0.5]}'),
      () => undefined,
      () => undefined,
    );
    expect(copy).toEqual({ valueQuantity: { value: 0 }, x: [0, 0.5] });
    expect(Object.is((copy as { x: number[] }).x[0], 0)).toBe(true);
  });

  test('references outside contained are rewritten; an unresolved one is reported by its path', () => {
    const input = {
      subject: { reference: 'Patient/p' },
      note: [{ authorReference: { reference: 'urn:uuid:gone' } }],
      contained: [{ resourceType: 'Patient', link: [{ other: { reference: 'Patient/p' } }] }],
      undefinedMember: undefined,
    };
    const paths: Array<Array<string | number>> = [];
    const { copy } = copyWithReferences(
      input,
      (ref) => (ref === 'Patient/p' ? 'Patient/src.p' : ref.startsWith('urn:') ? null : undefined),
      (steps) => paths.push(steps),
    );
    expect(copy).toEqual({
      subject: { reference: 'Patient/src.p' },
      note: [{ authorReference: { reference: 'urn:uuid:gone' } }],
      contained: [{ resourceType: 'Patient', link: [{ other: { reference: 'Patient/p' } }] }],
    });
    expect(paths).toEqual([['note', 0, 'authorReference', 'reference']]);
    expect(input.subject.reference).toBe('Patient/p'); // the input is not modified
  });
});

describe('fingerprint', () => {
  test('ignores key order and server meta, sees content', () => {
    const a = { resourceType: 'Patient', id: '1', gender: 'female', meta: { versionId: '1' } };
    const b = {
      gender: 'female',
      id: '1',
      resourceType: 'Patient',
      meta: { versionId: '7', lastUpdated: 'x' },
    };
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint({ ...a, gender: 'male' })).not.toBe(fingerprint(a));
  });

  test('is the same across releases: stored fingerprints decide whether a re-send is unchanged', () => {
    const stored = {
      resourceType: 'Observation',
      id: 'hospa.o1',
      status: 'final',
      meta: {
        versionId: '3',
        lastUpdated: '2024-01-01T00:00:00Z',
        tag: [{ system: 'http://bitebridge.dev/fhir/sid/source', code: 'hospa' }],
      },
      code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin "Hb" \\ é' }] },
      valueQuantity: { value: 12.5, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      subject: { reference: 'Patient/hospa.p1' },
    };
    // Computed by the release before the quoted-key cache.
    expect(fingerprint(stored)).toBe('191d6d7538ef3426c747f17cd4e4abda335cb4aa03d922b02cae9d21e270036f');
  });

  test('stableStringify is invariant under key permutation (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        return stableStringify(obj) === stableStringify(reversed);
      }),
    );
  });

  test('stableStringify is JSON.stringify of the value with the keys of every object sorted (property)', () => {
    // The oracle: rebuild each object with sorted keys and let JSON.stringify do the rest
    // (undefined members vanish, undefined array items become null, as JSON.stringify does). Keys
    // that look like array indexes are left out: JS objects list those first, whatever the order.
    const key = (maxLength: number) => fc.string({ maxLength }).filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    const sortedCopy = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortedCopy);
      if (v === null || typeof v !== 'object') return v;
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sortedCopy(o[k])]),
      );
    };
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 0 }),
        fc.constant(undefined),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(key(3), tie('any'), { maxKeys: 6 }),
        // More keys than the small-object sort handles: the other sort must agree.
        fc.dictionary(key(4), fc.integer(), { minKeys: 17, maxKeys: 40 }),
      ),
    })).any;
    fc.assert(
      fc.property(fc.dictionary(key(8), value), (obj) => {
        expect(stableStringify(obj)).toBe(JSON.stringify(sortedCopy(obj)));
      }),
    );
  });
});

describe('serialised: the stored JSON and its fingerprint from one serialisation', () => {
  const resourceLike = fc.record(
    {
      resourceType: fc.constantFrom('Observation', 'Patient', 'Encounter'),
      id: fc.string({ maxLength: 8 }),
      meta: fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.constant({}),
        fc.record(
          { versionId: fc.string(), lastUpdated: fc.string(), source: fc.string(), tag: fc.jsonValue() },
          { requiredKeys: [] },
        ),
      ),
      status: fc.string(),
      code: fc.jsonValue(),
      valueQuantity: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue()),
    },
    { requiredKeys: ['resourceType'] },
  );

  test('equals fingerprint() and a JSON.stringify of the copy, the root in the order sent (property)', () => {
    fc.assert(
      fc.property(resourceLike, fc.boolean(), (raw, reverse) => {
        const value = reverse ? Object.fromEntries(Object.entries(raw).reverse()) : raw;
        const { copy, sorted } = copyWithReferences(
          value,
          () => undefined,
          () => undefined,
        );
        const s = serialised(copy as object, sorted);
        expect(s.fingerprint).toBe(fingerprint(copy as object));
        expect(s.fingerprint).toBe(fingerprint(value));
        expect(s.body).toBe(JSON.stringify(copy));
        expect(Object.keys(JSON.parse(s.body))).toEqual(Object.keys(copy as object));
      }),
    );
  });

  test('namespaced entries: body and fingerprint equal a plain serialisation of the stored resource (property)', () => {
    const tag = fc.record({
      system: fc.constantFrom(SOURCE_TAG_SYSTEM, 'http://x', 'urn:y'),
      code: fc.string(),
    });
    const meta = fc.record(
      {
        versionId: fc.constantFrom('1', '7', 'a'),
        lastUpdated: fc.constant('2024-01-01T00:00:00Z'),
        source: fc.string(),
        profile: fc.array(fc.string(), { maxLength: 2 }),
        security: fc.array(tag, { maxLength: 2 }),
        tag: fc.array(tag, { maxLength: 3 }),
        // keys sorting after 'tag' (the source tag may be a new key) and before it
        zzz: fc.string(),
        extension: fc.array(fc.record({ url: fc.string(), valueString: fc.string() }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    const shuffled = (v: unknown, flip: boolean): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffled(x, flip));
      if (v === null || typeof v !== 'object') return v;
      const entries = Object.entries(v).map(([k, x]) => [k, shuffled(x, flip)] as const);
      return Object.fromEntries(flip ? entries.reverse() : entries);
    };
    fc.assert(
      fc.property(
        fc.option(meta, { nil: undefined }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.boolean(),
        (m, code, flip) => {
          const resource = {
            resourceType: 'Observation',
            id: 'o1',
            status: 'final',
            code,
            subject: { reference: 'Patient/p1' },
            ...(m ? { meta: m } : {}),
          };
          const prepare = (r: unknown) =>
            namespaceEntries([{ index: 0, method: 'PUT', localId: 'o1', resource: r as never }], 'hospa')
              .prepared[0];
          const p = prepare(resource);
          expect(p.fingerprint).toBe(fingerprint(p.resource));
          expect(p.body).toBe(JSON.stringify(p.resource));
          // The same content with every object's keys in another order: the same fingerprint.
          expect(prepare(shuffled(resource, !flip)).fingerprint).toBe(p.fingerprint);
        },
      ),
    );
  });

  test("a meta that is not an object (validation refuses it) still gets the sorting walk's fingerprint", () => {
    for (const meta of ['abcdefghijklmnop', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']]) {
      const [p] = namespaceEntries(
        [
          {
            index: 0,
            method: 'PUT',
            localId: 'o1',
            resource: { resourceType: 'Basic', id: 'o1', meta } as never,
          },
        ],
        'hospa',
      ).prepared;
      expect(p.fingerprint).toBe(fingerprint(p.resource));
    }
  });

  test('server meta given as an undefined member takes the sorting walk too', () => {
    const r = { resourceType: 'Basic', id: 'b', meta: { versionId: undefined } };
    expect(serialised(r, true).fingerprint).toBe(fingerprint(r));
  });

  test('namespaced entries carry the body and the fingerprint a stored version has had across releases', () => {
    const { prepared } = namespaceEntries(
      [
        {
          index: 0,
          method: 'PUT',
          localId: 'o1',
          resource: {
            subject: { reference: 'Patient/p1' },
            valueQuantity: { value: 12.5, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
            resourceType: 'Observation',
            id: 'o1',
            status: 'final',
            meta: { versionId: '3', lastUpdated: '2024-01-01T00:00:00Z' },
            code: {
              coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin "Hb" \\ é' }],
            },
          } as never,
        },
      ],
      'hospa',
    );
    const [p] = prepared;
    // The value pinned in 'fingerprint is the same across releases' above.
    expect(p.fingerprint).toBe('191d6d7538ef3426c747f17cd4e4abda335cb4aa03d922b02cae9d21e270036f');
    expect(p.fingerprint).toBe(fingerprint(p.resource));
    expect(JSON.parse(p.body)).toEqual(p.resource);
    expect(Object.keys(JSON.parse(p.body))[0]).toBe('subject'); // the root as sent
  });
});

describe('jsonDepth', () => {
  test('counts nesting of objects and arrays', () => {
    expect(jsonDepth(1, 10)).toBe(0);
    expect(jsonDepth({ a: [{ b: 1 }] }, 10)).toBe(3);
  });
  test('stops early past the limit, without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(jsonDepth(v, 64)).toBeGreaterThan(64);
  });
});
