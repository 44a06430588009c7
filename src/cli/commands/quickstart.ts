import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import * as calibrateCommand from './calibrate.js';
import * as reportCommand from './report.js';

/** The paper's reference data beside the checkout, as the repository is laid out next to shared/. */
const DEFAULT_PAPER_DATA = resolve(fileURLToPath(new URL('../../../..', import.meta.url)), 'shared', 'paper-data');

interface QuickstartOptions {
  out: string;
  paperData: string;
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
        "then write the report of this machine against the paper's Raspberry Pi, and the paper's two devices against each other",
    )
    .option('--out <dir>', 'where results and reports go', 'out/quickstart')
    .option('--paper-data <dir>', "the paper's data (NetConfigs.json, results_RaspPi.json, results_MacBookPro.json)", DEFAULT_PAPER_DATA)
    .action(async (o: QuickstartOptions) => {
      const results = join(o.out, 'this-machine.json');
      const paper = (name: string) => join(o.paperData, name);
      const accuracy = paper('NetConfigs.json');
      const haveAccuracy = existsSync(accuracy);
      mkdirSync(o.out, { recursive: true });
      const calibrated = await run(calibrateCommand, 'calibrate', [
        '--quick',
        '--out',
        results,
        ...(haveAccuracy ? ['--accuracy', accuracy] : []),
      ]);
      if (!calibrated) return;
      if (!haveAccuracy) {
        console.log(`no accuracies at ${accuracy}: pass --paper-data DIR holding the paper's NetConfigs.json to get the report`);
        return;
      }
      const reports: [string, string[]][] = [
        [join(o.out, 'report.html'), ['--results', results, '--accuracy', accuracy, '--compare', paper('results_RaspPi.json')]],
        [join(o.out, 'raspi', 'report.html'), ['--results', paper('results_RaspPi.json'), '--compare', paper('results_MacBookPro.json')]],
        [join(o.out, 'macbook', 'report.html'), ['--results', paper('results_MacBookPro.json'), '--compare', paper('results_RaspPi.json')]],
      ];
      for (const [output, args] of reports) {
        if (!(await run(reportCommand, 'report', [...args, '-o', output]))) return;
      }
      console.log(`\nOpen the report of this machine in a browser: file://${resolve(reports[0]![0])}`);
      console.log(`The paper's devices: ${reports.slice(1).map(([f]) => f).join(' and ')}`);
    });
}
