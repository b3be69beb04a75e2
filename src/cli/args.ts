/** `--name value` / `--flag` command-line options; repeated options collect every value. */
export interface Args {
  options: Map<string, string[]>;
  positional: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value = eq > 0 ? a.slice(eq + 1) : 'true';
    if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { options, positional };
}

export function option(args: Args, name: string): string | undefined {
  const v = args.options.get(name);
  return v?.[v.length - 1];
}

export function required(args: Args, name: string): string {
  const v = option(args, name);
  if (v === undefined || v === 'true') throw new UsageError(`--${name} is required`);
  return v;
}

/** Rejects options the command does not know (a typo must not silently widen an export). */
export function only(args: Args, known: string[]): void {
  const unknown = [...args.options.keys()].filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`unknown option ${unknown.map((u) => `--${u}`).join(', ')}`);
}
