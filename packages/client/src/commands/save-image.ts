/**
 * `repoman save-image NAME` (2011: `save`): snapshot the running machine into an image
 * (SPEC §4). NOT BUILT YET — it is a later issue. The command and its options are registered
 * so that `--help` documents them and the options are checked, but running it only says so
 * and exits 1; it does nothing else.
 */
import { defineCommand } from '../cli/command-spec.js';
import { CliError } from '../cli/cli-errors.js';
import { addMetadataOptions, readMetadata } from '../cli/metadata-flags.js';
import { collect, parseImageArg, parseSize } from '../cli/parse-values.js';

export interface SaveImageOptions {
  readonly name: string;
  readonly resize: number | undefined;
}

export const saveImageCommand = defineCommand<SaveImageOptions>({
  name: 'save-image',
  aliases: ['save'],
  summary: '(not built yet) snapshot this machine into an image',
  examples: ['sudo repoman save-image worker.img --resize 20G --snapshot-dir /mnt --gzip'],
  configure: (command) => {
    command
      .argument('<NAME>', 'the image to create or update')
      .option('--resize <SIZE>', 'size of the image file (K M G T suffixes), default: the root file system\'s')
      .option('--snapshot-dir <DIR>', 'where the snapshot file is made (default: config snapshot_dir)')
      .option('--exclude <PATH>', 'leave this path out (repeatable)', collect)
      .option('--source <DIR>', 'snapshot this directory tree instead of /')
      .option('--gzip', 'compress the image')
      .option('--clean', 'make the snapshot file afresh')
      .option('--dry-run', 'print the plan only')
      .option('-f, --force', 'replace an existing image without asking');
    addMetadataOptions(command);
    command.addHelpText('before', 'NOT BUILT YET: this command is planned (a later issue) and does nothing for now.\n');
  },
  parse: ({ args, flags }) => {
    readMetadata(flags);
    return { name: parseImageArg(args[0], undefined).name, resize: typeof flags.resize === 'string' ? parseSize(flags.resize) : undefined };
  },
  async run() {
    throw new CliError('save-image is not built yet (a later issue): make the image file yourself, then run repoman create-image NAME --file FILE');
  },
});
