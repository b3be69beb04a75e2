/**
 * Progress bars (cli-progress) for long commands. Shown on stderr, only when stdout is a terminal
 * and --json was not given, so pipes, scripts and CI logs get clean output.
 */
import { SingleBar } from 'cli-progress';
import type { Progress, Ui } from './command';

const NONE: Progress = { update() {}, increment() {}, setTotal() {}, stop() {} };

export function createUi(opts: { json: boolean; tty: boolean; stream?: NodeJS.WritableStream }): Ui {
  return {
    json: opts.json,
    progress(label, total, unit) {
      if (opts.json || !opts.tty) return NONE;
      const bar = new SingleBar({
        format: `${label} [{bar}] {value}/{total} ${unit} | {percentage}% | {duration_formatted}`,
        stream: opts.stream ?? process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        // Rendered even when stderr is not a TTY (stdout, which we checked, is the user's terminal).
        noTTYOutput: true,
        notTTYSchedule: 500,
        etaBuffer: 50,
      });
      bar.start(total, 0);
      return {
        update: (done) => bar.update(done),
        increment: (n = 1) => bar.increment(n),
        setTotal: (t) => bar.setTotal(t),
        stop: () => bar.stop(),
      };
    },
  };
}
