/**
 * The CLI's commands, by name: each takes the store, its parsed options and a line printer, and
 * returns the exit code. Add a command by adding an entry here.
 */
import type { Runtime } from '../../runtime';
import type { Args } from '../args';
import { exportCommand, exportUsage } from './export';
import {
  jobsCommand,
  jobsUsage,
  rejectsCommand,
  rejectsUsage,
  retryCommand,
  retryUsage,
  summaryCommand,
  summaryUsage,
} from './ops';
import { registryExportCommand, registryExportUsage } from './registry-export';
import { cohortCommand, cohortUsage, timelineCommand, timelineUsage } from './ui-pictures';

export interface Command {
  usage: string;
  run(rt: Runtime, args: Args, print: (line: string) => void): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  export: { usage: exportUsage, run: (rt, a, p) => exportCommand(rt.store, a, p) },
  'registry-export': { usage: registryExportUsage, run: (rt, a, p) => registryExportCommand(rt.store, a, p) },
  jobs: { usage: jobsUsage, run: jobsCommand },
  retry: { usage: retryUsage, run: retryCommand },
  rejects: { usage: rejectsUsage, run: rejectsCommand },
  summary: { usage: summaryUsage, run: summaryCommand },
  timeline: { usage: timelineUsage, run: (rt, a, p) => timelineCommand(rt.store, a, p) },
  cohort: {
    usage: cohortUsage,
    run: (rt, a, p) =>
      cohortCommand(rt.store, a, p, {
        linkBase: rt.cfg.publicBaseUrl ?? `http://${rt.cfg.host}:${rt.cfg.port}`,
      }),
  },
};
