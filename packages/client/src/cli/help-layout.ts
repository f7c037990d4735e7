/**
 * How `--help` is laid out so that it reads on an 80-column terminal: commander aligns
 * descriptions after the longest term and, when that leaves under 40 columns, gives up
 * wrapping (the terminal then breaks lines mid-word). Here such items are stacked instead —
 * the term on its line, the description below it, wrapped at word boundaries — global options
 * are shown in every command's help, and long example commands are continued with `\`.
 */
import { Help, type Command, type HelpConfiguration } from 'commander';

const DESCRIPTION_INDENT = 6;

export const helpLayout: HelpConfiguration & ThisType<Help> = {
  showGlobalOptions: true,
  commandUsage(command: Command): string {
    const usage = Help.prototype.commandUsage.call(this, command);
    // The longest names with their alias pass 80 columns; the alias is in `repoman --help`.
    return usage.length + 'Usage: '.length > ((this as Help).helpWidth ?? 80) ? usage.replace(/\|\S+/, '') : usage;
  },
  formatItem(term: string, termWidth: number, description: string, helper: Help): string {
    const width = helper.helpWidth ?? 80;
    if (!description || width - termWidth - 4 >= helper.minWidthToWrap) {
      return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
    }
    const indent = ' '.repeat(DESCRIPTION_INDENT);
    return `  ${term}\n${indent}${helper.boxWrap(description, width - DESCRIPTION_INDENT).replace(/\n/g, `\n${indent}`)}`;
  },
};

/** An example command line, continued with ` \` before an option where it would pass `width`. */
export function exampleLines(line: string, width = 80): string {
  const words = line.split(/ (?=--?[a-z])/);
  const lines: string[] = [];
  let current = `  $ ${words.shift() ?? ''}`;
  for (const word of words) {
    if (current.length + word.length + 3 > width) {
      lines.push(`${current} \\`);
      current = `      ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  lines.push(current);
  return lines.join('\n');
}
