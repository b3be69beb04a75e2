/**
 * Hostile text in every field the mapper reads. Inputs are sized so that a backtracking pattern (the
 * old `\s*(\d+…)\s*` forms took 24 s on 40k characters, quadratic) would need minutes: a regression
 * makes these tests time out. No wall-clock assertion; each test also checks the answer.
 */
import { MAX_MAPPED_TEXT_CHARS } from '../../src/mapping/text-scan';
import { parseMrdText, readCd19Text, readCnsStatus } from '../../src/mapping/text-values';
import { body, cc, LOINC, map, mappings, observation, only, text } from './helpers';

const N = 200_000;
const UNCAPPED = Number.POSITIVE_INFINITY;
const mrd = (valueString: string) => map(observation(text('Minimal residual disease'), { valueString }));

describe('text parsers are linear (uncapped, 200k characters)', () => {
  it('MRD: digit runs, space runs, comparator runs, almost-exponents', () => {
    expect(parseMrdText('1'.repeat(N), UNCAPPED)).toEqual({ result: 'ambiguous' });
    expect(parseMrdText(`<${' '.repeat(N)}5%`, UNCAPPED)).toEqual({
      result: { fraction: 0.05, comparator: '<' },
    });
    expect(parseMrdText('1 x 10 ^ '.repeat(N / 10), UNCAPPED).result).toBe('ambiguous');
    // "1e1e1e…": the first form read is 1e1.
    expect(parseMrdText(`${'1e'.repeat(N / 2)}-`, UNCAPPED).result).toEqual({ fraction: 10 });
    const dotted = parseMrdText(`${'1.'.repeat(N / 2)} 1e-4`, UNCAPPED).result as { fraction: number };
    expect(dotted.fraction).toBeCloseTo(0.0001, 12);
    expect(parseMrdText(`${'10^'.repeat(N / 3)}`, UNCAPPED).result).toBe('ambiguous');
    expect(parseMrdText(`<0.01% sensitivity${' '.repeat(N)}1e-5`, UNCAPPED)).toEqual({
      result: { fraction: 0.0001, comparator: '<' },
      sensitivity: { fraction: expect.closeTo(0.00001, 12) },
    });
  }, 60_000);

  it('CD19: long whitespace and keyword runs', () => {
    const r = readCd19Text(`cd19${' '.repeat(N)}x`, UNCAPPED);
    expect(r.mentionsCd19).toBe(true);
    expect([...r.levels]).toEqual([]);
    expect([...readCd19Text(`dim${'\u00a0'.repeat(N)}cd19`, UNCAPPED).levels]).toEqual(['dim']);
    expect([...readCd19Text(`${'positive '.repeat(N / 9)}for cd19`, UNCAPPED).levels]).toEqual(['positive']);
    expect(readCd19Text('cd19 -'.repeat(N / 6), UNCAPPED).mentionsCd19).toBe(true);
  }, 60_000);

  it('CNS: a space run between the word and the class', () => {
    expect(readCnsStatus(`cns${' '.repeat(N)}2`, UNCAPPED)).toBe(2);
    expect(readCnsStatus(`${'cns -'.repeat(N / 5)}`, UNCAPPED)).toBeUndefined();
  }, 60_000);

  it('data patterns (RE2): a `.*` pattern on a long repeated prefix', () => {
    const blastRules = mappings.textRules.filter((r) => r.regex.source.includes('CD19\\b.*'));
    expect(blastRules.length).toBeGreaterThan(0);
    for (const r of blastRules) {
      expect(r.regex.test('cd19 '.repeat(N / 5), UNCAPPED)).toBe(false);
      expect(r.regex.test(`${'cd19 '.repeat(N / 5)} blasts`, UNCAPPED)).toBe(true);
    }
    const icans = mappings.textRules.filter((r) => r.concept === 'icans');
    expect(icans.some((r) => r.regex.test(`${'neuro '.repeat(N / 6)}toxicity neurotoxicity`, UNCAPPED))).toBe(
      true,
    );
  }, 60_000);
});

describe('through the mapper (text capped at MAX_MAPPED_TEXT_CHARS)', () => {
  const under = MAX_MAPPED_TEXT_CHARS - 10;

  it('MRD valueString just under the cap, padded with spaces, is read right', () => {
    expect(body(only(mrd(`<${' '.repeat(under - 6)}0.01%`)))).toMatchObject({
      kind: 'MrdResult',
      fraction: 0.0001,
      comparator: '<',
    });
  });

  it('MRD valueString over the cap (a 30 KB hostile string) is not read: an error, no event', () => {
    const r = mrd(`${'1'.repeat(30_000)}e`);
    expect(r.status).toBe('error');
    expect(r.events).toEqual([]);
  });

  it('CD19 valueString and code text with space and digit runs', () => {
    const r = map(
      observation(text('CD19 on leukemic blasts'), { valueString: `CD19${' '.repeat(under - 10)}dim` }),
    );
    expect(only(r)).toMatchObject({ kind: 'Cd19Expression', level: 'dim' });
    const panel = map(observation(cc(LOINC, '101119-6'), { valueString: `${'CD19 '.repeat(2000)}` }));
    expect(panel.status).toBe('error');
  });

  it('CNS valueString', () => {
    const r = map(observation(text('CNS status'), { valueString: `CNS${' '.repeat(under - 4)}1` }));
    expect(r.status).not.toBe('error');
    expect(r.events).toEqual([]);
  });

  it('valueString with a number and unit after a long space run (quantity-like text)', () => {
    const r = map(observation(text('Ferritin'), { valueString: `<=${'\u00a0'.repeat(under - 12)}5 ng/mL` }));
    expect(['mapped', 'ignored', 'error']).toContain(r.status);
  });
});
