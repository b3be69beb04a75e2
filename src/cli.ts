/**
 * Operator CLI: `npm run cli -- <command> [options]`. Connects to the configured Redis (same
 * environment as the server), runs one command, exits with its code (64 on a usage error).
 */
import { parseArgs, UsageError } from './cli/args';
import { COMMANDS } from './cli/commands';
import { FhirError } from './fhir/outcome';
import { createLogger } from './logger';
import { createRuntime, stopRuntime } from './runtime';

function usage(): string {
  return ['usage: cli <command> [options]', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(name && name !== 'help' ? `unknown command ${name}\n${usage()}` : usage());
    return 64;
  }
  const args = parseArgs(rest);
  const rt = await createRuntime({}, createLogger(process.env.LOG_LEVEL ?? 'warn'));
  try {
    return await command.run(rt, args, (line) => console.log(line));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${name}: ${err.message}\nusage: cli ${command.usage}`);
      return 64;
    }
    if (err instanceof FhirError) {
      console.error(`${name}: ${err.message}`);
      return 64;
    }
    throw err;
  } finally {
    await stopRuntime(rt);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`cli: ${err.message}`);
    process.exit(1);
  },
);
