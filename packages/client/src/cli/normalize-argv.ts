/**
 * Rewrites the command line before commander sees it, for the spellings commander cannot
 * express: the 2011 client's underscore flags (`--os_arch` is `--os-arch`, `--read_only=no`
 * is `--read-only=no`), and the yes/no flags (`--read-only`, `--unauthenticated-access`,
 * `--public`, `--suspended`), which may stand alone (true), take a following true/false word,
 * or be negated as `--no-…`. They always reach commander in the `--flag=value` form, so
 * a following positional argument is never swallowed as their value. `--version` before any
 * command is the program's (`-V`: commander would otherwise take it from every command, and
 * `download-image --version N` names an image version). Nothing after `--` is touched.
 */
import { isBooleanWord } from './parse-values.js';

export const BOOLEAN_FLAGS = new Set(['read-only', 'unauthenticated-access', 'public', 'suspended']);
/** The program's options that take a value (so that the value is not taken for the command). */
const PROGRAM_VALUE_FLAGS = new Set(['--server', '--proxy', '--ca-dir', '--ca-file']);

export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let command = false;
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] ?? '';
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith('-')) command = true;
    if (!command && token === '--version') {
      out.push('-V');
      continue;
    }
    if (!command && PROGRAM_VALUE_FLAGS.has(token) && argv[i + 1] !== undefined) {
      out.push(token, argv[(i += 1)] ?? '');
      continue;
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
    } else if (name.startsWith('no-') && BOOLEAN_FLAGS.has(name.slice(3)) && value === undefined) {
      out.push(`--${name.slice(3)}=false`);
    } else {
      out.push(value === undefined ? `--${name}` : `--${name}=${value}`);
    }
  }
  return out;
}
