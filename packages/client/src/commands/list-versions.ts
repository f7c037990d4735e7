/**
 * `repoman list-versions IMAGE`: the kept versions of an image, newest first — number, size,
 * sha256, disk format, when and by whom uploaded, and which is current — as a table or
 * `--json`. Any of them downloads with `download-image --version N`.
 */
import { defineCommand } from '../cli/command-spec.js';
import { formatBytes, formatTime } from '../cli/format.js';
import { printJson, printTable } from '../cli/output.js';
import { parseImageArg } from '../cli/parse-values.js';
import type { ImageRef } from '../wire/image-ref.js';

export interface ListVersionsOptions {
  readonly image: ImageRef;
  readonly json: boolean;
}

export const listVersionsCommand = defineCommand<ListVersionsOptions>({
  name: 'list-versions',
  aliases: ['lv'],
  summary: 'list the kept versions of an image, newest first',
  examples: ['repoman list-versions sl55.img', 'repoman lv bob/sl55.img --json'],
  configure: (command) => command
    .argument('<IMAGE>', 'NAME or OWNER/NAME')
    .option('--owner <USER>', 'the image is in this user\'s namespace')
    .option('--json', 'print the versions as JSON'),
  parse: ({ args, flags }) => ({ image: parseImageArg(args[0], flags.owner), json: flags.json === true }),
  async run(options, context) {
    const versions = await context.client().listVersions(options.image);
    if (options.json) {
      printJson(context.io, versions);
      return;
    }
    printTable(context.io, ['VERSION', 'SIZE', 'UPLOADED', 'BY', 'FORMAT', 'SHA256', 'CURRENT'], versions.map((version) => [
      String(version.version), formatBytes(version.size), formatTime(version.uploaded), version.uploaded_by ?? '-', version.disk_format ?? '-',
      version.checksum.value, version.current ? 'yes' : '',
    ]));
  },
});
