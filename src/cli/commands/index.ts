/**
 * The CLI's commands. Adding one: a module in this directory exporting `defineCommand({...})`
 * (name, summary, usage, options, optional `check`, `run`; heavy imports inside `run`), plus one line
 * in this list. Help, option parsing, usage errors, --json, progress and the connection come with it.
 */
import type { Command } from '../command';
import { deliveriesCommand } from './deliveries';
import { exportCommand } from './export';
import { jobsCommand } from './jobs';
import { registryExportCommand } from './registry-export';
import { rejectsCommand } from './rejects';
import { retryCommand } from './retry';
import { summaryCommand } from './summary';
import { cohortCommand, timelineCommand } from './ui-pictures';

const LIST: Command[] = [
  exportCommand,
  registryExportCommand,
  jobsCommand,
  retryCommand,
  rejectsCommand,
  summaryCommand,
  timelineCommand,
  cohortCommand,
  deliveriesCommand,
];

export const COMMANDS: Record<string, Command> = Object.fromEntries(LIST.map((c) => [c.name, c]));
