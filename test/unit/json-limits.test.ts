/** Edge limits on parsed JSON: which limit, where (a FHIRPath-like path), and the 413 that names it. */
import {
  DEFAULT_JSON_LIMITS,
  findLimitBreach,
  jsonDepth,
  limitError,
  type JsonLimits,
} from '../../src/ingest/json-limits';

const limits: JsonLimits = { maxDepth: 8, maxBundleEntries: 3, maxArrayLength: 4, maxStringLength: 16 };

describe('findLimitBreach', () => {
  it('accepts a value within every limit', () => {
    const ok = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Patient', name: [{ given: ['a'] }] } }],
    };
    expect(findLimitBreach(ok, limits)).toBeUndefined();
  });

  it('Bundle entries have their own limit, nested Bundles included', () => {
    const entries = (n: number) => Array.from({ length: n }, () => ({}));
    expect(findLimitBreach({ resourceType: 'Bundle', entry: entries(4) }, limits)).toMatchObject({
      limit: 'maxBundleEntries',
      path: 'Bundle.entry',
      found: 4,
    });
    // 4 entries are within maxArrayLength but over maxBundleEntries; an "entry" array elsewhere is a plain array.
    expect(findLimitBreach({ resourceType: 'Basic', entry: entries(4) }, limits)).toBeUndefined();
    const nested = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Bundle', entry: entries(4) } }],
    };
    expect(findLimitBreach(nested, limits)?.path).toBe('Bundle.entry[0].resource.entry');
  });

  it('arrays, object members, strings and member names', () => {
    expect(
      findLimitBreach({ resourceType: 'Patient', name: [{ given: ['a', 'b', 'c', 'd', 'e'] }] }, limits),
    ).toMatchObject({
      limit: 'maxArrayLength',
      path: 'Patient.name[0].given',
    });
    expect(findLimitBreach({ a: 1, b: 2, c: 3, d: 4, e: 5 }, limits)).toMatchObject({
      limit: 'maxArrayLength',
      path: '$',
    });
    expect(
      findLimitBreach({ resourceType: 'Patient', name: [{ family: 'x'.repeat(17) }] }, limits),
    ).toMatchObject({
      limit: 'maxStringLength',
      path: 'Patient.name[0].family',
    });
    expect(findLimitBreach({ ['k'.repeat(17)]: 1 }, limits)).toMatchObject({ limit: 'maxStringLength' });
    expect(findLimitBreach('x'.repeat(17), limits)).toMatchObject({ limit: 'maxStringLength', path: '$' });
  });

  it('depth, iteratively (100,000 levels do not overflow the stack)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findLimitBreach(deep, limits)).toMatchObject({ limit: 'maxDepth', found: 9 });
    expect(jsonDepth(deep, 8)).toBe(9);
  });

  it('the 413 names the limit, its setting and where', () => {
    const b = findLimitBreach({ resourceType: 'Bundle', entry: [{}, {}, {}, {}] }, limits)!;
    const e = limitError(b);
    expect(e.status).toBe(413);
    expect(e.outcome.issue[0]).toMatchObject({ code: 'too-costly', expression: ['Bundle.entry'] });
    expect(e.outcome.issue[0].diagnostics).toMatch(/MAX_BUNDLE_ENTRIES=3/);
  });

  it('defaults are the documented ones', () => {
    expect(DEFAULT_JSON_LIMITS).toEqual({
      maxDepth: 64,
      maxBundleEntries: 1000,
      maxArrayLength: 1000,
      maxStringLength: 262144,
    });
  });
});
