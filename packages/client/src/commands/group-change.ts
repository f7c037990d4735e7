/**
 * The shape shared by add-users-to-group, remove-users-from-group, add-permissions-to-group
 * and remove-permissions-from-group: `GROUP ITEM...` (items may also be comma-separated), one
 * API call per item, one line per change, and the group's record at the end with `--json`.
 */
import type { Group } from '@repoman/api';
import type { RepomanClient } from '../repoman-client.js';
import { defineCommand, type AnyCommand } from '../cli/command-spec.js';
import { UsageError } from '../cli/cli-errors.js';
import { printJson } from '../cli/output.js';
import { parseList } from '../cli/parse-values.js';

export interface GroupChangeOptions {
  readonly group: string;
  readonly items: readonly string[];
  readonly json: boolean;
}

export interface GroupChangeSpec {
  readonly name: string;
  readonly alias: string;
  readonly summary: string;
  readonly example: string;
  /** `USER` or `PERMISSION`. */
  readonly item: string;
  apply(client: RepomanClient, group: string, item: string): Promise<Group>;
  /** The line printed per change. */
  done(group: string, item: string): string;
}

export function defineGroupChange(spec: GroupChangeSpec): AnyCommand {
  return defineCommand<GroupChangeOptions>({
    name: spec.name,
    aliases: [spec.alias],
    summary: spec.summary,
    examples: [spec.example],
    configure: (command) => command
      .argument('<GROUP>', 'the group')
      .argument(`<${spec.item}...>`, `one or more (or comma-separated)`)
      .option('--json', 'print the group\'s record afterwards as JSON'),
    parse: ({ args, flags }) => {
      const items = parseList(args[1]);
      if (items.length === 0) throw new UsageError(`give at least one ${spec.item}`);
      return { group: String(args[0]), items, json: flags.json === true };
    },
    async run(options, context) {
      const client = context.client();
      let record: Group | undefined;
      for (const item of options.items) {
        record = await spec.apply(client, options.group, item);
        if (!options.json) context.note(spec.done(options.group, item));
      }
      if (options.json) printJson(context.io, record);
    },
  });
}
