/**
 * Operator CLI: `npm run cli -- <command> [options]` (or `node dist/src/cli.js …`). Arguments are
 * checked and --help answered before anything heavy is loaded or Redis is contacted; then the command
 * runs against REDIS_URL (never an embedded Redis) and the process exits with its code.
 */
import type * as Connect from './cli/connect';
import { runCli } from './cli/run';
import { createUi } from './cli/ui';

runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  ui: (json) => createUi({ json, tty: !!process.stdout.isTTY }),
  connect: async () => {
    // Loaded only now: the store and BullMQ are the slow part of starting.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { connectCli } = require('./cli/connect') as typeof Connect;
    return connectCli();
  },
}).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`bitebridge-cli: ${err.message}`);
    process.exit(1);
  },
);
