/**
 * What a CLI command is: a name, a one-line summary, its declared options (parsed and checked before
 * anything is loaded or connected), and `run`, which gets a connection to the store and queues.
 *
 * A command module imports only types and light modules at its top; anything heavy (BullMQ, the
 * validation stack, the domain) is required inside `run`, so `--help` and usage errors stay instant.
 */
import type { Config } from '../config';
import type { Queues } from '../queue/queues';
import type { Store } from '../store/store';
import type { Args, OptionSpec } from './args';

/** What `run` gets: the configured store and queues. The CLI never starts workers or an API. */
export interface CliRuntime {
  cfg: Config;
  store: Store;
  queues: Queues;
}

export interface Progress {
  /** Sets the done count (absolute). */
  update(done: number): void;
  increment(n?: number): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface Ui {
  /** --json was given: print one JSON document, no prose, no progress bars. */
  json: boolean;
  /** A progress bar on stderr when stdout is a terminal (and not --json); a no-op otherwise. */
  progress(label: string, total: number, unit: string): Progress;
}

export type Print = (line: string) => void;

export interface Command {
  name: string;
  /** One line for `cli --help`. */
  summary: string;
  /** The synopsis after the command name. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** How many bare arguments (`timeline <patient>`) the command takes; default none. */
  positionals?: number;
  /** More usage checks that need no connection (combinations of options, files), run before `run`. */
  check?(args: Args): void;
  run(rt: CliRuntime, args: Args, print: Print, ui: Ui): Promise<number>;
}

/** An error to report in one line with exit code 1 (not a usage error, not a bug). */
export class CliError extends Error {}

/** Types the declaration (and keeps command modules free of boilerplate). */
export function defineCommand(c: Command): Command {
  return c;
}
