/**
 * The factory every command's `run` gets (GitHub CLI's cmdutil.Factory): the streams, the
 * global flags, lazily resolved settings, and the API client — made only when first asked,
 * after the credential check, and closed when the command ends. Also the prompt before
 * destruction, the progress bar, the AbortSignal fired by Ctrl-C, and a way to hold the
 * process while a command cleans up after it (save-image unmounting its snapshot). Tests make
 * one with their own streams and environment.
 */
import { CredentialError, InvalidValueError } from '../wire/api-errors.js';
import type { RepomanClient } from '../repoman-client.js';
import type { RetryPolicy } from '../transport/retry.js';
import { connect } from '../config/connect.js';
import { resolveSettings, type SettingFlags, type Settings } from '../config/settings.js';
import { UsageError } from './cli-errors.js';
import { confirmOrRefuse } from './confirm.js';
import { eprintln, type IOStreams } from './io-streams.js';
import { progressBar, type ProgressBar } from './progress-bar.js';

export type GlobalOptions = SettingFlags & {
  /** No progress bars or transfer summaries. */
  quiet?: boolean | undefined;
};

export interface ContextDependencies {
  readonly io: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly uid: number;
  readonly signal: AbortSignal;
  readonly retry?: RetryPolicy | undefined;
  /** Keeps Ctrl-C from ending the process until the returned function is called (the executable's). */
  readonly holdExit?: (() => () => void) | undefined;
}

export interface CommandContext {
  readonly io: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** The caller's uid (save-image wants root). */
  readonly uid: number;
  readonly globals: GlobalOptions;
  readonly signal: AbortSignal;
  settings(): Settings;
  /** The API client; checks the credential first (CredentialError → exit 3). */
  client(): RepomanClient;
  /** Asks before destroying something; refuses without a terminal unless `force`. */
  confirm(question: string, force: boolean): Promise<void>;
  /** Whether progress bars and transfer summaries are shown: stderr is a terminal and no --quiet. */
  readonly chatty: boolean;
  progress(title: string): ProgressBar;
  /**
   * While held, Ctrl-C still fires `signal` but does not end the process: the command is
   * cleaning up (unmounting) and ends by itself. Call the returned function to let go.
   */
  holdExit(): () => void;
  /** A line on stderr (`repoman: …`). */
  note(message: string): void;
  /** Releases what the command opened (idle connections). */
  close(): void;
}

export function createContext(deps: ContextDependencies, globals: GlobalOptions): CommandContext {
  let settings: Settings | undefined;
  let client: RepomanClient | undefined;
  const context: CommandContext = {
    io: deps.io,
    env: deps.env,
    home: deps.home,
    uid: deps.uid,
    globals,
    signal: deps.signal,
    settings() {
      if (!settings) {
        try {
          settings = resolveSettings(globals, { env: deps.env, home: deps.home, uid: deps.uid });
        } catch (error) {
          if (error instanceof InvalidValueError) throw new UsageError(error.message);
          throw error;
        }
      }
      return settings;
    },
    client() {
      try {
        client ??= connect(context.settings(), {
          warn: (message) => context.note(`warning: ${message}`),
          retry: {
            ...deps.retry,
            onRetry: (error, attempt, delay) => context.note(`${error.message}; retrying in ${delay} ms (try ${attempt + 1})`),
          },
        });
      } catch (error) {
        throw underSudo(error, context.settings(), deps.env);
      }
      return client;
    },
    confirm: (question, force) => confirmOrRefuse(deps.io, question, force),
    chatty: deps.io.stderrIsTTY && globals.quiet !== true,
    progress: (title) => progressBar(deps.io, title, context.chatty),
    holdExit: () => deps.holdExit?.() ?? (() => undefined),
    note: (message) => eprintln(deps.io, `repoman: ${message}`),
    close: () => client?.close(),
  };
  return context;
}

/**
 * sudo drops X509_USER_PROXY and makes the default proxy root's /tmp/x509up_u0: a missing or
 * expired proxy there is most likely not the one the user meant, so the message says how to
 * pass theirs.
 */
function underSudo(error: unknown, settings: Settings, env: NodeJS.ProcessEnv): unknown {
  if (!(error instanceof CredentialError) || !env.SUDO_USER || settings.proxy.source !== 'default') return error;
  const theirs = env.SUDO_UID ? `/tmp/x509up_u${env.SUDO_UID}` : 'YOUR_PROXY';
  return new CredentialError(error.problem, error.path,
    `${error.message.replace(/\.$/, '')} (under sudo, X509_USER_PROXY is not passed on: run sudo -E repoman …, or give --proxy ${theirs})`);
}
