import type { Command } from 'commander';
import * as calibrate from './calibrate.js';
import * as catalog from './catalog.js';
import * as compare from './compare.js';
import * as demo from './demo.js';
import * as exportCommand from './export.js';
import * as info from './info.js';
import * as list from './list.js';
import * as pareto from './pareto.js';
import * as precision from './precision.js';
import * as predict from './predict.js';
import * as quickstart from './quickstart.js';
import * as report from './report.js';
import * as runModel from './run-model.js';
import * as search from './search.js';
import * as select from './select.js';
import * as serve from './serve.js';

/** A CLI command module. */
export interface CommandModule {
  register(program: Command): void;
}

/** Every command of the CLI, in the order `iotnets --help` lists them. */
export const COMMANDS: readonly CommandModule[] = [quickstart, list, info, catalog, exportCommand, demo, calibrate, serve, runModel, pareto, select, report, compare, predict, search, precision];
