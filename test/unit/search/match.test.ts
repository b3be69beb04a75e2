import type { DetectedIssue, MedicationStatement } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { bodyMatches, compareEntries, keyMatches, pageOf, tokenMatches } from '../../../src/search/match';
import { parseSearch } from '../../../src/search/params';

const FLAG = 'http://bitebridge.dev/fhir/CodeSystem/course-flag';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const flag: DetectedIssue = {
  resourceType: 'DetectedIssue',
  status: 'final',
  code: { coding: [{ system: FLAG, code: 'crs' }] },
};
const course: MedicationStatement = {
  resourceType: 'MedicationStatement',
  status: 'active',
  subject: { reference: 'Patient/hospa.p1' },
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1597258' }] },
};

test.each([
  [{ code: 'crs' }, true],
  [{ system: FLAG, code: 'crs' }, true],
  [{ system: FLAG }, true],
  [{ system: 'other', code: 'crs' }, false],
  [{ system: '', code: 'crs' }, false],
  [{ code: 'icans' }, false],
])('token %p on a flag coding → %p', (t, ok) => {
  expect(tokenMatches(flag.code!.coding![0], t)).toBe(ok);
});

test.each([
  ['DetectedIssue', flag, { code: 'crs' }, true],
  ['DetectedIssue', flag, { code: `${FLAG}|crs,icans` }, true],
  ['DetectedIssue', flag, { code: ['crs', 'icans'] }, false],
  ['MedicationStatement', course, { code: `${RXNORM}|1597258` }, true],
  ['MedicationStatement', course, { code: '999' }, false],
  ['MedicationStatement', course, {}, true],
])('%s %p matches %p → %p', (type, r, q, ok) => {
  expect(bodyMatches(r as DetectedIssue, parseSearch(type as string, q).criteria)).toBe(ok);
});

test('keyMatches: type, id and the last-updated window', () => {
  const c = parseSearch('MedicationStatement', { _id: 'c1', _lastUpdated: 'ge2026-01-01' }).criteria;
  const lu = Date.parse('2026-03-01T00:00:00Z');
  expect(keyMatches({ key: 'MedicationStatement/c1', lu }, c)).toBe(true);
  expect(keyMatches({ key: 'MedicationStatement/c2', lu }, c)).toBe(false);
  expect(keyMatches({ key: 'DetectedIssue/c1', lu }, c)).toBe(false);
  expect(keyMatches({ key: 'MedicationStatement/c1', lu: Date.parse('2025-12-31T23:59:59Z') }, c)).toBe(
    false,
  );
});

test('pages partition the sorted entries: every entry exactly once, in order, whatever the input order', () => {
  const entry = fc.record({
    key: fc.stringMatching(/^[A-Z][a-z]{0,3}\/[a-z0-9]{1,4}$/),
    lu: fc.integer({ min: 0, max: 50 }),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(entry, { selector: (e) => e.key, maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.boolean(),
      (entries, count, desc) => {
        const sort = desc ? 'desc' : 'asc';
        const pages = [];
        for (let offset = 0; offset < entries.length; offset += count)
          pages.push(...pageOf([...entries].reverse(), { sort, offset, count }));
        const expected = [...entries].sort(compareEntries);
        if (desc) expected.reverse();
        expect(pages).toEqual(expected);
      },
    ),
  );
});
