/** The V8 flags `npm start` forks its worker processes with (src/worker-processes.ts). */
import { WORKER_V8_FLAGS, workerExecArgv } from '../../src/worker-processes';

test('the worker flags are added to the parent’s own node flags', () => {
  expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', ...WORKER_V8_FLAGS]);
});

test('a young-generation size the operator set wins, on the command line or in NODE_OPTIONS', () => {
  expect(workerExecArgv(['--max-semi-space-size=16'], '')).toEqual(['--max-semi-space-size=16']);
  expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=8')).toEqual([]);
  expect(workerExecArgv([], '--max_semi_space_size=8')).toEqual([]);
});

test('other semi-space settings do not replace the maximum', () => {
  expect(workerExecArgv(['--min-semi-space-size=4'], '')).toEqual([
    '--min-semi-space-size=4',
    ...WORKER_V8_FLAGS,
  ]);
});
