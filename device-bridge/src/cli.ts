/** A small argv parser for the two entry points: `--name value` and `--flag`. */
export function parseArgs(argv: string[], flags: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (flags.includes(arg.slice(2))) {
      out.set(arg.slice(2), 'true');
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`);
      out.set(arg.slice(2), value);
      i++;
    }
  }
  return out;
}

export function intArg(args: Map<string, string>, name: string, fallback: number, min = 0): number {
  const text = args.get(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}`);
  return n;
}
