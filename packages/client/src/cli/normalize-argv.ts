/**
 * Rewrites the command line before commander sees it, for the spellings commander cannot
 * express: the 2011 client's underscore flags (`--os_arch` is `--os-arch`, `--read_only=no`
 * is `--read-only=no`), and the yes/no flags (`--read-only`, `--unauthenticated-access`,
 * `--public`, `--suspended`), which may stand alone (true), take a following true/false word,
 * or be negated as `--no-…`. They always reach commander in the `--flag=value` form, so
 * a following positional argument is never swallowed as their value. `--version N` (or
 * `--version=N`) with a whole number is an image version (`link-image --version N`, SPEC §4),
 * which commander would take for the program's own -V/--version wherever it stands: it reaches
 * commander as `--image-version=N`. Nothing after `--` is touched.
 */
import { isBooleanWord } from './parse-values.js';

export const BOOLEAN_FLAGS = new Set(['read-only', 'unauthenticated-access', 'public', 'suspended']);

export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] ?? '';
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith('--')) {
      out.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const name = (equals === -1 ? token.slice(2) : token.slice(2, equals)).replace(/_/g, '-');
    const value = equals === -1 ? undefined : token.slice(equals + 1);
    if (BOOLEAN_FLAGS.has(name)) {
      if (value !== undefined) out.push(`--${name}=${value}`);
      else if (argv[i + 1] !== undefined && isBooleanWord(argv[i + 1] ?? '')) out.push(`--${name}=${argv[(i += 1)]}`);
      else out.push(`--${name}=true`);
    } else if (name === 'version' && /^\d+$/.test(value ?? argv[i + 1] ?? '')) {
      out.push(`--image-version=${value ?? argv[(i += 1)]}`);
    } else if (name.startsWith('no-') && BOOLEAN_FLAGS.has(name.slice(3)) && value === undefined) {
      out.push(`--${name.slice(3)}=false`);
    } else {
      out.push(value === undefined ? `--${name}` : `--${name}=${value}`);
    }
  }
  return out;
}
