/** How `npm start` forks its worker processes (src/worker-processes.ts, src/v8-flags.ts): V8 flags and priority. */
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { MEMORY_V8_FLAGS, WORKER_V8_FLAGS, replacedNodeOptions, workerExecArgv } from '../../src/v8-flags';

test('the worker flags are added to the parent’s own node flags', () => {
  expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', ...WORKER_V8_FLAGS]);
});

test('WORKER_MAX_OLD_SPACE_MB caps the worker processes only; an old-space size in NODE_OPTIONS wins', () => {
  expect(workerExecArgv([], '', 256)).toEqual([...WORKER_V8_FLAGS, '--max-old-space-size=256']);
  expect(workerExecArgv([], '', 0)).toEqual(WORKER_V8_FLAGS);
  expect(workerExecArgv([], '--max-old-space-size=512', 256)).toEqual(WORKER_V8_FLAGS);
  expect(loadConfig().workerMaxOldSpaceMb).toBe(0);
  process.env.WORKER_MAX_OLD_SPACE_MB = '256';
  try {
    expect(loadConfig().workerMaxOldSpaceMb).toBe(256);
  } finally {
    delete process.env.WORKER_MAX_OLD_SPACE_MB;
  }
});

test('a young-generation size the operator set wins, on the command line or in NODE_OPTIONS', () => {
  expect(workerExecArgv(['--max-semi-space-size=48'], '')).toEqual([
    '--max-semi-space-size=48',
    '--heap-growing-percent=50',
    '--single-threaded-gc',
  ]);
  expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=8')).toEqual([
    '--heap-growing-percent=50',
    '--single-threaded-gc',
  ]);
  expect(workerExecArgv([], '--max_semi_space_size=8')).toEqual([
    '--heap-growing-percent=50',
    '--single-threaded-gc',
  ]);
});

test('npm start’s own memory flags are inherited, not given twice; a growing percentage given wins', () => {
  expect(workerExecArgv(MEMORY_V8_FLAGS, '')).toEqual([...MEMORY_V8_FLAGS, '--single-threaded-gc']);
  expect(workerExecArgv(['--heap_growing_percent=20'], '')).toEqual([
    '--heap_growing_percent=20',
    '--max-semi-space-size=16',
    '--single-threaded-gc',
  ]);
});

test('GC threading the operator set on the command line wins, however V8 spells it (node refuses it in NODE_OPTIONS)', () => {
  for (const off of ['--no-single-threaded-gc', '--no_single_threaded_gc', '--nosingle-threaded-gc'])
    expect(workerExecArgv([off], '')).toEqual([off, ...MEMORY_V8_FLAGS]);
  expect(workerExecArgv(['--single_threaded_gc', '-max-semi-space-size=32'], '')).toEqual([
    '--single_threaded_gc',
    '-max-semi-space-size=32',
    '--heap-growing-percent=50',
  ]);
  // Any GC-threading option counts: --single-threaded-gc would silently turn it off.
  for (const gc of ['--parallel-scavenge', '--concurrent_marking'])
    expect(workerExecArgv([gc], '')).toEqual([gc, ...MEMORY_V8_FLAGS]);
});

test('a value that looks like an option name is not a setting', () => {
  expect(workerExecArgv(['--title', 'max-semi-space-size', '-r', 'single-threaded-gc'], '')).toEqual([
    '--title',
    'max-semi-space-size',
    '-r',
    'single-threaded-gc',
    ...WORKER_V8_FLAGS,
  ]);
});

test('other semi-space settings do not replace the maximum', () => {
  expect(workerExecArgv(['--min-semi-space-size=4'], '')).toEqual([
    '--min-semi-space-size=4',
    ...WORKER_V8_FLAGS,
  ]);
});

test('a NODE_OPTIONS setting the command line replaced is reported; the same setting, or another option, is not', () => {
  expect(replacedNodeOptions(MEMORY_V8_FLAGS, '--max-semi-space-size=32 --max-old-space-size=512')).toEqual([
    '--max-semi-space-size=32',
  ]);
  expect(replacedNodeOptions(MEMORY_V8_FLAGS, '--max_semi_space_size=8')).toEqual([
    '--max_semi_space_size=8',
  ]);
  expect(replacedNodeOptions(MEMORY_V8_FLAGS, '--max-semi-space-size=16')).toEqual([]);
  expect(replacedNodeOptions(MEMORY_V8_FLAGS, '')).toEqual([]);
  expect(replacedNodeOptions([], '--max-semi-space-size=32')).toEqual([]);
  // The same setting spelled another way replaced nothing; the command line's last setting is the one.
  expect(replacedNodeOptions(MEMORY_V8_FLAGS, '--max_semi_space_size=16 -heap-growing-percent=50')).toEqual(
    [],
  );
  expect(
    replacedNodeOptions([...MEMORY_V8_FLAGS, '--max-semi-space-size=32'], '--max-semi-space-size=32'),
  ).toEqual([]);
  expect(replacedNodeOptions(['--single-threaded-gc'], '--no-single-threaded-gc')).toEqual([
    '--no-single-threaded-gc',
  ]);
  // Only our flags' options: --require on both adds up, it does not replace.
  expect(replacedNodeOptions(['--require', 'a.js'], '--require b.js')).toEqual([]);
});

test('every worker flag is one node accepts', () => {
  expect(
    execFileSync(process.execPath, [...WORKER_V8_FLAGS, '-e', 'process.stdout.write("ok")']).toString(),
  ).toBe('ok');
});

describe('WORKER_NICE', () => {
  const saved = process.env.WORKER_NICE;
  afterEach(() => {
    if (saved === undefined) delete process.env.WORKER_NICE;
    else process.env.WORKER_NICE = saved;
  });

  test('defaults to 10 steps below the API; 0 keeps the same priority', () => {
    delete process.env.WORKER_NICE;
    expect(loadConfig().workerNice).toBe(10);
    process.env.WORKER_NICE = '0';
    expect(loadConfig().workerNice).toBe(0);
  });

  test.each(['20', '-1', 'low'])('refuses %p', (v) => {
    process.env.WORKER_NICE = v;
    expect(() => loadConfig()).toThrow(/WORKER_NICE/);
  });
});
