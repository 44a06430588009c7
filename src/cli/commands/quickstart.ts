import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { journalPathFor } from '../../calibrate/journal.js';
import { paperResultsReference } from '../../catalog/paper.js';
import * as calibrateCommand from './calibrate.js';
import * as reportCommand from './report.js';
import { checkOutputDirectory } from '../../io/files-node.js';

interface QuickstartOptions {
  out: string;
  fresh?: boolean;
}

/** Runs one sibling command exactly as `iotnets <name> <args>` would; false when it failed or was interrupted. */
async function run(command: { register(program: Command): void }, name: string, args: readonly string[]): Promise<boolean> {
  const program = new Command('iotnets').exitOverride();
  command.register(program);
  await program.parseAsync([name, ...args], { from: 'user' });
  return (process.exitCode ?? 0) === 0;
}

/** `iotnets quickstart`: the main job on its built-in default: calibrate this machine quickly, then report. */
export function register(program: Command): void {
  program
    .command('quickstart')
    .description(
      'the main job on a built-in default: time the quick subset (36 networks over all spaces and laws) on this machine, ' +
        "then write the report of this machine against the paper's Raspberry Pi, and the paper's two devices against each other " +
        '(the paper data is built in)',
    )
    .option('--out <dir>', 'where results and reports go', 'out/quickstart')
    .option('--fresh', 'discard the measurements of an earlier quickstart in --out and measure again')
    .action(async (o: QuickstartOptions) => {
      checkOutputDirectory(o.out, 'out');
      const results = join(o.out, 'this-machine.json');
      const journal = journalPathFor(results);
      if (o.fresh) {
        rmSync(results, { force: true });
        rmSync(journal, { force: true });
      } else if (existsSync(journal)) {
        console.log(`reusing the measurements of an earlier quickstart in ${journal} (pass --fresh to measure again)`);
      }
      mkdirSync(o.out, { recursive: true });
      if (!(await run(calibrateCommand, 'calibrate', ['--quick', '--out', results]))) return;
      const [raspi, macbook] = [paperResultsReference('raspi'), paperResultsReference('macbook')];
      const reports: [string, string[]][] = [
        [join(o.out, 'report.html'), ['--results', results, '--compare', raspi]],
        [join(o.out, 'raspi', 'report.html'), ['--results', raspi, '--compare', macbook]],
        [join(o.out, 'macbook', 'report.html'), ['--results', macbook, '--compare', raspi]],
      ];
      for (const [output, args] of reports) {
        if (!(await run(reportCommand, 'report', [...args, '-o', output]))) return;
      }
      console.log(`\nOpen the report of this machine in a browser: file://${resolve(reports[0]![0])}`);
      console.log(`The paper's devices: ${reports.slice(1).map(([f]) => f).join(' and ')}`);
    });
}
