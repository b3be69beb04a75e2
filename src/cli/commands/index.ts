/**
 * The CLI's commands, by name: each takes the store, its parsed options and a line printer, and
 * returns the exit code. Add a command by adding an entry here.
 */
import type { Store } from '../../store/store';
import type { Args } from '../args';
import { exportCommand, exportUsage } from './export';
import { registryExportCommand, registryExportUsage } from './registry-export';

export interface Command {
  usage: string;
  run(store: Store, args: Args, print: (line: string) => void): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  export: { usage: exportUsage, run: exportCommand },
  'registry-export': { usage: registryExportUsage, run: registryExportCommand },
};
