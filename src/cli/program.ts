import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { escapeForMessage, IotnetsError } from '../errors.js';
import { withFlags } from './flags.js';
import { COMMANDS } from './commands/index.js';

/** The version in the package's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Builds the iotnets command-line program with every command registered. */
function createProgram(): Command {
  const program = new Command('iotnets')
    .description('Which network should run on this device, under this latency and memory budget, at the best accuracy?')
    .version(packageVersion(), '-V, --version', 'print the iotnets version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  return program;
}

/** Runs the CLI on `argv`, printing user errors as one line and exiting non-zero. */
export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (`iotnets catalog | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    const program = createProgram();
    // Bare `iotnets` is a question, not a mistake: it gets the command list and exit status 0.
    if (argv.length <= 2) return void program.outputHelp();
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof IotnetsError) {
      // One line, whatever file bytes the message quotes.
      process.stderr.write(`iotnets: ${escapeForMessage(withFlags(err.message), Infinity)}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
