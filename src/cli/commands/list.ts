import type { Command } from 'commander';
import { listModels, listSpaces } from '../../zoo/index.js';
import { formatTable } from '../../report/text.js';
import { printJson } from '../format.js';

/** `iotnets list`: search spaces with their laws, and named models with their input sizes. */
export function register(program: Command): void {
  program
    .command('list')
    .description('list the search spaces (with their sampling laws) and the named models')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const spaces = listSpaces().map((s) => ({ space: s.name, laws: s.laws }));
      const models = listModels().map((m) => ({ model: m.name, family: m.family, inputSize: m.inputSize, args: m.defaultArgs ?? {} }));
      if (o.json) return printJson({ spaces, models });
      console.log('Search spaces (iotnets info --space NAME --law LAW --id N):');
      console.log(formatTable(['space', 'laws'], spaces.map((s) => [s.space, Object.keys(s.laws).join(' ')])));
      console.log('\nModels (iotnets info NAME):');
      console.log(
        formatTable(
          ['model', 'family', 'input', 'args'],
          models.map((m) => [m.model, m.family, `${m.inputSize}x${m.inputSize}`, JSON.stringify(m.args) === '{}' ? '' : JSON.stringify(m.args)]),
        ),
      );
    });
}
