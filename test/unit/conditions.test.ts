/** Conditional-write headers and entry fields: what is accepted, and a clear issue for everything else. */
import { identifierTokens, parseConditions, versionOfEtag } from '../../src/ingest/conditions';

const at = (f: string) => `header ${f}`;

test('ETags we issue are read in their weak, strong and bare forms; anything else is not a version', () => {
  expect(versionOfEtag('W/"3"')).toBe('3');
  expect(versionOfEtag('"12"')).toBe('12');
  expect(versionOfEtag('7')).toBe('7');
  for (const bad of ['', 'W/""', 'W/"abc"', '"1.5"', '-1', 'x'.repeat(10_000)])
    expect(versionOfEtag(bad)).toBeUndefined();
});

test('If-Match, If-None-Match and If-None-Exist become conditions', () => {
  const r = parseConditions(
    { ifMatch: 'W/"2"', ifNoneMatch: '*', ifNoneExist: 'identifier=urn%3Alab|acc-1' },
    'hospa',
    'Observation',
    at,
  );
  expect(r.issues).toEqual([]);
  expect(r.conditions).toEqual({
    ifMatch: '2',
    ifNoneMatch: '*',
    ifNoneExist: 'hospa|Observation|urn:lab|acc-1',
  });
  expect(parseConditions({}, 'hospa', 'Observation', at).conditions).toBeUndefined();
});

test.each([
  [{ ifMatch: 'yesterday' }, 'value'],
  [{ ifMatch: ['W/"1"', 'W/"2"'] }, 'value'],
  [{ ifNoneMatch: 'W/"x"' }, 'value'],
  [{ ifNoneExist: 'code=1234' }, 'not-supported'],
  [{ ifNoneExist: 'identifier=acc-1' }, 'not-supported'],
  [{ ifNoneExist: 'identifier=a|b&_id=3' }, 'not-supported'],
  [{ ifNoneExist: 'identifier=%E0%A4%A|x' }, 'not-supported'],
  [{ ifNoneExist: 'x'.repeat(600) }, 'value'],
])('%j is refused with a %s issue naming where it came from', (raw, code) => {
  const r = parseConditions(raw, 'hospa', 'Observation', at);
  expect(r.issues).toHaveLength(1);
  expect(r.issues[0].code).toBe(code);
  expect(r.issues[0].expression?.[0]).toMatch(/^header /);
});

test('identifier tokens are per source and type; odd identifiers are skipped, not fatal', () => {
  const tokens = identifierTokens(
    {
      resourceType: 'Observation',
      identifier: [{ system: 'urn:lab', value: 'a' }, { value: 'b' }, { system: 'urn:x' }, null as never],
    } as never,
    'hospa',
  );
  expect(tokens).toEqual(['hospa|Observation|urn:lab|a', 'hospa|Observation||b']);
});
