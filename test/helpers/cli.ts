/** Runs a CLI command line in-process against a harness's store and queues, capturing its output. */
import { runCli } from '../../src/cli/run';
import { createUi } from '../../src/cli/ui';
import type { Harness } from './harness';

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
  /** Whether the command got as far as connecting. */
  connected: boolean;
}

export async function cli(h: Harness | undefined, argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  let connected = false;
  const code = await runCli(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    ui: (json) => createUi({ json, tty: false }),
    connect: async () => {
      connected = true;
      if (!h) throw new Error('this test has no store');
      return { cfg: h.rt.cfg, store: h.rt.store, queues: h.rt.queues, close: async () => undefined };
    },
  });
  return { code, out, err, connected };
}
