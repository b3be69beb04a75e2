/**
 * Command-line parsing for the operator CLI, on node:util's parseArgs (strict: an unknown option, a
 * missing value or a value outside `choices` is a usage error). Commands declare their options; the
 * parsed result keeps every value of an option (repeatable options collect them all).
 *
 * This module and the command declarations are light on purpose: `--help` and every usage error are
 * answered before anything heavy is loaded or any connection is made.
 */
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';

export interface Args {
  options: Map<string, string[]>;
  positional: string[];
}

export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder in help, e.g. DIR. */
  value?: string;
  short?: string;
  multiple?: boolean;
  required?: boolean;
  choices?: readonly string[];
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  json: { type: 'boolean', description: 'machine-readable output (JSON on stdout; no progress bars)' },
};

/** Parses `argv` against the declared options (plus --help/-h and --json). */
/** `positionals`: how many bare arguments the command takes (default none: any is a usage error). */
export function parseArgs(argv: string[], declared: Record<string, OptionSpec> = {}, positionals = 0): Args {
  const specs = { ...COMMON_OPTIONS, ...declared };
  const options: ParseArgsConfig['options'] = {};
  for (const [name, s] of Object.entries(specs))
    options[name] = { type: s.type, multiple: !!s.multiple, ...(s.short ? { short: s.short } : {}) };
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({ args: argv, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    // node's messages name the option ("Unknown option '--bogus'"); drop its hints about '--'.
    throw new UsageError((err as Error).message.split('. To specify')[0].replace(/\.$/, ''));
  }
  const out = new Map<string, string[]>();
  for (const [name, v] of Object.entries(parsed.values)) {
    if (v === undefined) continue;
    const list = (Array.isArray(v) ? v : [v]).map(String);
    out.set(name, list);
  }
  const args: Args = { options: out, positional: parsed.positionals };
  if (option(args, 'help') === 'true') return args; // help needs nothing else to be right
  if (parsed.positionals.length > positionals)
    throw new UsageError(`unexpected argument ${parsed.positionals[positionals]}`);
  for (const [name, s] of Object.entries(specs)) {
    const values = out.get(name) ?? [];
    if (s.required && !values.length) throw new UsageError(`--${name} is required`);
    if (s.type === 'string' && values.some((x) => x === '')) throw new UsageError(`--${name} needs a value`);
    const bad = s.choices ? values.filter((x) => !s.choices!.includes(x)) : [];
    if (bad.length) throw new UsageError(`--${name} must be one of ${s.choices!.join(', ')}`);
  }
  return args;
}

export function option(args: Args, name: string): string | undefined {
  const v = args.options.get(name);
  return v?.[v.length - 1];
}

export function flag(args: Args, name: string): boolean {
  return option(args, name) === 'true';
}

export function required(args: Args, name: string): string {
  const v = option(args, name);
  if (v === undefined || v === 'true') throw new UsageError(`--${name} is required`);
  return v;
}

/** Rejects options the command does not know (a typo must not silently widen an export). */
export function only(args: Args, known: string[]): void {
  const all = [...known, ...Object.keys(COMMON_OPTIONS)];
  const unknown = [...args.options.keys()].filter((k) => !all.includes(k));
  if (unknown.length) throw new UsageError(`unknown option ${unknown.map((u) => `--${u}`).join(', ')}`);
}

/** A positive integer option within bounds, or the default. */
export function intOption(args: Args, name: string, def: number, max: number): number {
  const raw = option(args, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new UsageError(`--${name} must be 1..${max}`);
  return n;
}

/** The option list of a help text, aligned. */
export function optionsHelp(declared: Record<string, OptionSpec>): string[] {
  const rows = Object.entries({ ...declared, ...COMMON_OPTIONS }).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` ${s.value ?? 'VALUE'}` : ''}`;
    const notes = [
      s.required ? 'required' : '',
      s.multiple ? 'repeatable' : '',
      s.choices ? `one of ${s.choices.join('|')}` : '',
    ].filter(Boolean);
    return [left, `${s.description}${notes.length ? ` (${notes.join('; ')})` : ''}`];
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
}
