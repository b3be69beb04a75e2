import { pageLinks } from '../../../src/search/links';
import { parseSearch } from '../../../src/search/params';

const links = (q: Record<string, string>, total: number) =>
  Object.fromEntries(
    pageLinks('http://h', q, parseSearch('MedicationStatement', q).criteria, total).map((l) => [
      l.relation,
      l.url,
    ]),
  );

test('first of three pages: self and next', () => {
  expect(links({ patient: 'p1', _count: '2' }, 5)).toEqual({
    self: 'http://h/fhir/MedicationStatement?patient=p1&_count=2&_offset=0',
    next: 'http://h/fhir/MedicationStatement?patient=p1&_count=2&_offset=2',
  });
});

test('last page: self and previous, no next', () => {
  expect(links({ _count: '2', _offset: '4' }, 5)).toEqual({
    self: 'http://h/fhir/MedicationStatement?_count=2&_offset=4',
    previous: 'http://h/fhir/MedicationStatement?_count=2&_offset=2',
  });
});

test('repeated parameters survive in the links', () => {
  expect(links({ _lastUpdated: 'ge2026', _count: '1' } as Record<string, string>, 1).self).toContain(
    '_lastUpdated=ge2026',
  );
});
