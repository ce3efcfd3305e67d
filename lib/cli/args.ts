// Flag parsing for every command: node:util parseArgs, with its errors turned into one line that names the flag.
import { parseArgs } from 'node:util';
import { UserFacingError } from '../util/errors';
import { isWholeNumberIn } from '../util/numbers';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
type Values<S extends FlagSpec> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string;
};

export function parseFlags<S extends FlagSpec>(command: string, argv: string[], spec: S, allowPositionals = false): { values: Values<S>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: parsed.values as Values<S>, positionals: parsed.positionals };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserFacingError(`${reason} Run 'slb-doctor ${command} --help' for the options.`, 'USAGE');
  }
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function parsePositiveInt(flag: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!isWholeNumberIn(n, 1, max)) throw new UserFacingError(`--${flag} must be a whole number from 1 to ${max}, got '${value}'.`, 'USAGE');
  return n;
}
