import type { Command } from 'commander';
import * as catalog from './catalog.js';
import * as info from './info.js';
import * as list from './list.js';

/** A CLI command module. */
export interface CommandModule {
  register(program: Command): void;
}

/** Every command of the CLI, in the order `iotnets --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [list, info, catalog];
