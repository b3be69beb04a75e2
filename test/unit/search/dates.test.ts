import { intersect, parseDateRange, prefixedDateWindow } from '../../../src/search/dates';

const ms = (s: string) => Date.parse(s);

describe('parseDateRange', () => {
  test.each([
    ['2026', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-11-21T10:15', '2026-11-21T10:15:00.000Z', '2026-11-21T10:16:00.000Z'],
    ['2026-11-21T10:15:30Z', '2026-11-21T10:15:30.000Z', '2026-11-21T10:15:31.000Z'],
    ['2026-11-21T10:15:30.250Z', '2026-11-21T10:15:30.250Z', '2026-11-21T10:15:30.251Z'],
    ['2026-11-21T10:15:30+02:00', '2026-11-21T08:15:30.000Z', '2026-11-21T08:15:31.000Z'],
    ['2026-11-21T10:15:30-05:30', '2026-11-21T15:45:30.000Z', '2026-11-21T15:45:31.000Z'],
  ])('%s covers [%s, %s)', (value, lo, hi) => {
    expect(parseDateRange(value)).toEqual({ lo: ms(lo), hi: ms(hi) });
  });

  test.each(['', 'yesterday', '2026-13-01', '2026-02-30', '2026-1-1', '20261121', '2026-11-21T25:00'])(
    'rejects %p',
    (value) => {
      expect(parseDateRange(value)).toBeUndefined();
    },
  );
});

describe('prefixedDateWindow', () => {
  const day = '2026-11-21';
  const lo = ms('2026-11-21T00:00:00Z');
  const hi = ms('2026-11-22T00:00:00Z');
  test.each([
    [day, lo, hi - 1],
    [`eq${day}`, lo, hi - 1],
    [`ge${day}`, lo, Infinity],
    [`gt${day}`, hi, Infinity],
    [`sa${day}`, hi, Infinity],
    [`le${day}`, -Infinity, hi - 1],
    [`lt${day}`, -Infinity, lo - 1],
    [`eb${day}`, -Infinity, lo - 1],
  ])('%s → [%p, %p]', (param, min, max) => {
    expect(prefixedDateWindow(param)).toEqual({ min, max });
  });

  test('an unknown prefix or a bad date is undefined', () => {
    expect(prefixedDateWindow('ne2026-11-21')).toBeUndefined();
    expect(prefixedDateWindow('ge')).toBeUndefined();
  });

  test('two bounds intersect', () => {
    expect(intersect(prefixedDateWindow('ge2026-01-01')!, prefixedDateWindow('lt2026-02-01')!)).toEqual({
      min: ms('2026-01-01T00:00:00Z'),
      max: ms('2026-02-01T00:00:00Z') - 1,
    });
  });
});
