/** CLI progress bars: drawn when stdout is a terminal, never with --json or into a pipe. */
import { Writable } from 'node:stream';
import { createUi } from '../../src/cli/ui';
import { parseArgs, UsageError } from '../../src/cli/args';

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return { stream, text: () => buf };
}

test('a terminal gets a bar with the count and the unit', () => {
  const s = sink();
  const bar = createUi({ json: false, tty: true, stream: s.stream }).progress('export', 4, 'patients');
  bar.update(3);
  bar.stop();
  expect(s.text()).toContain('export [');
  expect(s.text()).toContain('3/4 patients');
});

test('no bar into a pipe or with --json', () => {
  for (const opts of [
    { json: false, tty: false },
    { json: true, tty: true },
  ]) {
    const s = sink();
    const bar = createUi({ ...opts, stream: s.stream }).progress('export', 4, 'patients');
    bar.increment();
    bar.stop();
    expect(s.text()).toBe('');
  }
});

test('options are parsed strictly: unknown, missing value, choices, required, repeatable', () => {
  const spec = {
    out: { type: 'string' as const, required: true, description: '' },
    level: { type: 'string' as const, choices: ['a', 'b'], description: '' },
    filter: { type: 'string' as const, multiple: true, description: '' },
  };
  expect(() => parseArgs(['--out', 'x', '--bogus'], spec)).toThrow(UsageError);
  expect(() => parseArgs(['--out'], spec)).toThrow(UsageError);
  expect(() => parseArgs([], spec)).toThrow('--out is required');
  expect(() => parseArgs(['--out', 'x', '--level', 'c'], spec)).toThrow('--level must be one of a, b');
  expect(() => parseArgs(['--out', 'x', 'stray'], spec)).toThrow(UsageError);
  const ok = parseArgs(['--out=x', '--filter', 'A?x', '--filter', 'B?y', '--json'], spec);
  expect(ok.options.get('filter')).toEqual(['A?x', 'B?y']);
  expect(ok.options.get('json')).toEqual(['true']);
  // --help wins over missing required options
  expect(parseArgs(['-h'], spec).options.get('help')).toEqual(['true']);
});
