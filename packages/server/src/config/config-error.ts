/**
 * The error thrown when a configuration cannot be loaded: it carries every problem found, each
 * one line naming the key (`server.https_port: expected an integer 0..65535, got "x"`), so that
 * an operator fixes them all in one pass instead of one per restart.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}
