/**
 * From argv to an exit code: pick the command, parse and check its options, answer --help, and only
 * then connect and run. Exit codes (sysexits): 0 done, 1 failed, 64 usage error, 69 Redis unavailable.
 */
import { optionsHelp, parseArgs, UsageError, type Args } from './args';
import { CliError, type CliRuntime, type Command, type Print, type Ui } from './command';
import { COMMANDS } from './commands';

export const EXIT = { ok: 0, failed: 1, usage: 64, unavailable: 69 } as const;

export interface CliIo {
  out: Print;
  err: Print;
  /** Builds the Ui once --json is known. */
  ui(json: boolean): Ui;
  /** Called only after the arguments are valid; the CLI connects to REDIS_URL here. */
  connect(): Promise<CliRuntime & { close(): Promise<void> }>;
}

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'usage: bitebridge-cli <command> [options]     (npm run cli -- <command> [options])',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "'<command> --help' shows a command's options. Every command takes --json (output for scripts).",
    'Environment: REDIS_URL, KEY_PREFIX as for the server. The CLI never starts a Redis of its own.',
    'Exit codes: 0 done, 1 failed, 64 usage error, 69 Redis unavailable.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [
    `usage: bitebridge-cli ${c.name} ${c.usage}`,
    '',
    c.summary,
    '',
    'options:',
    ...optionsHelp(c.options),
  ].join('\n');
}

/** Parses and checks argv for a command; throws UsageError. No connection, nothing heavy loaded. */
export function prepare(c: Command, argv: string[]): Args {
  const args = parseArgs(argv, c.options, c.positionals ?? 0);
  if (args.options.has('help')) return args;
  c.check?.(args);
  return args;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const about = name === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    (name === undefined ? io.err : io.out)(about ? commandHelp(about) : mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`bitebridge-cli: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  let args: Args;
  try {
    args = prepare(command, rest);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(
      `bitebridge-cli ${name}: ${err.message}\nusage: bitebridge-cli ${name} ${command.usage}\n(--help for details)`,
    );
    return EXIT.usage;
  }
  if (args.options.has('help')) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  let rt: (CliRuntime & { close(): Promise<void> }) | undefined;
  try {
    rt = await io.connect();
    return await command.run(rt, args, io.out, io.ui(args.options.has('json')));
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`bitebridge-cli ${name}: ${err.message}\nusage: bitebridge-cli ${name} ${command.usage}`);
      return EXIT.usage;
    }
    if ((err as Error).name === 'RedisUnavailable') {
      io.err(`bitebridge-cli: ${(err as Error).message}`);
      return EXIT.unavailable;
    }
    if (err instanceof CliError) {
      io.err(`bitebridge-cli ${name}: ${err.message}`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    await rt?.close();
  }
}
