import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { networkFacts } from '../../analysis/network-facts.js';
import { formatLatency, parseLatencyMs } from '../../analysis/units.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { PAPER_ACCURACY } from '../../catalog/paper.js';
import { check } from '../../errors.js';
import { writeFileAtomic } from '../../io/files-node.js';
import { candidateLabel, type Candidate } from '../../search/candidates.js';
import { openSearchJournal, readSearchJournal, searchJournalPath, writeNetworkFiles, writeTrialFiles, type NetworkFiles } from '../../search/files-node.js';
import { identityDifferences, pendingTrials, SEARCH_JOURNAL_VERSION, type ProposalRecord, type SearchHeader, type SearchJournal } from '../../search/journal.js';
import type { Journal } from '../../io/journal-file.js';
import { askMeasured, nextTrial, proposalRecord, replayJournal, resultRecord, runSearchLoop } from '../../search/loop.js';
import { memoryTable, type KnownNetwork } from '../../search/memory-table.js';
import type { RankedCandidate } from '../../search/study.js';
import { crossValidate } from '../../search/surrogate.js';
import { commandTrainer, parseAccuracyLine, stopOrphanTrainers } from '../../search/trainer-node.js';
import { SEARCH_GROUPS, searchAccuracySpec, type SearchRow } from '../../report/specs.js';
import { formatBytes, formatTable } from '../../report/text.js';
import { printJson } from '../format.js';
import { runInterruptibly } from '../interrupt.js';
import { formatDuration } from '../progress.js';
import { withFlags } from '../flags.js';
import { parseInteger } from '../network-options.js';
import { DEFINITION_KEYS, setUpSearch, type SearchDefinition, type SearchSetup } from '../search-setup.js';
import { addMeasurementOptions, nodeEngine, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';
import { runtimeMeter, type LatencyMeter } from '../../search/latency.js';
import type { LatencyRecord } from '../../search/journal.js';

interface SearchOptions extends SearchDefinition, MeasurementOptions {
  out: string;
  table?: boolean;
  cv?: boolean;
  trainer?: string;
  trainBudget: string;
  parallel: string;
  trainerTimeout?: string;
  retryFailed?: boolean;
  force?: boolean;
  top: string;
  json?: boolean;
}

const note = (line: string) => process.stderr.write(`${line}\n`);

/** How many of the best networks get their args and ONNX written. */
const WINNERS = 3;

/** The catalog networks of an accuracy file with their accuracy and state_dict size. */
function knownCatalogNetworks(path: string): KnownNetwork[] {
  return [...catalogAccuracies(loadAccuracyFile(path)).entries()].map(([index, e]) => ({
    index,
    accuracy: e.accuracy,
    stateDictElements: networkFacts(index).stateDictElements,
  }));
}

function printMemoryTable(o: SearchOptions): void {
  const prior = o.prior === 'none' ? PAPER_ACCURACY : o.prior;
  const rows = memoryTable(knownCatalogNetworks(prior));
  if (o.json) return printJson(rows);
  console.log(`Best catalog network by weight memory (state_dict elements x format bits), accuracies from ${prior === PAPER_ACCURACY ? "the paper's NetConfigs.json" : prior}:`);
  const formats = rows[0]!.cells.map((c) => c.format);
  console.log(
    formatTable(
      ['weights <=', ...formats],
      rows.map((r) => [formatBytes(r.budgetBytes), ...r.cells.map((c) => (c.best ? `${(c.best.accuracy * 100).toFixed(2)}% #${c.best.index}` : 'none fits'))]),
    ),
  );
}

function addDefinitionOptions(command: Command): Command {
  return command
    .option('--pool <file>', 'candidates: a JSON array of {spacename, law, id} or {space, args}')
    .option('--space <names>', 'candidates from these search spaces (comma-separated; default all)')
    .option('--law <names>', 'laws of the spaces (comma-separated; default all of each)')
    .option('--ranges <json>', 'custom ranges of one --space instead of its laws, as `info --ranges` takes them')
    .option('--ids <from-to>', 'network ids drawn from each law or ranges', '0-199')
    .option('--derive', "narrow each space's ranges until most of its samples meet the constraints (a derived law)")
    .option('--derive-yield <share>', 'the share of samples a derived law must meet the constraints with', '0.8')
    .addOption(new Option('--format <format>', 'number format weights (and activations) are stored in: fp32, fp16, bf16, int8 or eXmY').default('fp32'))
    .option('--max-weights <size>', 'weight memory budget: state_dict elements x format bits, e.g. 32KiB')
    .option('--max-activations <size>', 'peak activation memory budget at batch 1 in the format')
    .option('--max-flops <n>', "FLOPs budget (the paper's count)")
    .option('--max-latency <time>', 'latency budget on the device, e.g. 10ms')
    .option('--latency-results <file>', 'latency by network from a results file (or paper:raspi, paper:macbook)')
    .option('--latency-model <file>', 'latency predicted by a model from `calibrate --calibration-set` or `predict fit`')
    .option('--measure', 'measure each network on this machine before proposing it (--latency-model prefilters; --protocol and friends say how)')
    .option('--prior <file|none>', "accuracies the surrogate starts from: 'paper' (the built-in NetConfigs.json), a NetConfigs.json-format file or CSV/JSON mapping, or 'none'", PAPER_ACCURACY);
}

function definitionOf(o: SearchOptions): SearchDefinition {
  return Object.fromEntries(DEFINITION_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as unknown as SearchDefinition;
}

/**
 * Takes the journal of `o.out` (locked until closed), checked to belong to this search; with --force another search's
 * journal is set aside. A new journal starts with the search's header.
 */
function journalFor(o: { out: string; force?: boolean }, setup: SearchSetup, definition: SearchDefinition): { writer: Journal; journal: SearchJournal } {
  let opened = openSearchJournal(o.out);
  const header = opened.journal.header;
  if (header) {
    const differences = identityDifferences(header.identity, setup.identity);
    if (differences.length > 0) {
      opened.writer.close();
      check(o.force, `${searchJournalPath(o.out)} belongs to another search (${differences.join('; ')}); use another --out, or --force to set it aside and start over`);
      const aside = searchJournalPath(o.out).replace(/\.jsonl$/, `.${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
      renameSync(searchJournalPath(o.out), aside);
      note(`note: set the other search's journal aside as ${aside}`);
      opened = openSearchJournal(o.out);
    }
  }
  if (!opened.journal.header) {
    const record: SearchHeader = { type: 'search', version: SEARCH_JOURNAL_VERSION, identity: setup.identity, definition: { ...definition }, startedAt: new Date().toISOString() };
    opened.writer.append(record);
    return { writer: opened.writer, journal: { ...opened.journal, header: record } };
  }
  return opened;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

function rankingTable(rows: readonly RankedCandidate[], setup: SearchSetup): string {
  return formatTable(
    ['#', 'network', 'accuracy', 'standing', `weights (${setup.constraints.format.name})`, 'latency', 'params'],
    rows.map((r, i) => [
      i + 1,
      candidateLabel(r.candidate),
      r.standing === 'known' || r.standing === 'trained' ? percent(r.accuracy) : `${percent(r.accuracy)} ± ${(2 * r.std * 100).toFixed(2)}`,
      r.standing === 'open' ? 'predicted' : r.standing,
      formatBytes(r.candidate.weightBytes),
      r.candidate.latencyMs !== undefined ? `${formatLatency(r.candidate.latencyMs)}${r.candidate.latencyMeasured ? ' measured' : ''}` : '',
      r.candidate.size.stateDictElements,
    ]),
  );
}

/** Writes args JSON and ONNX (seeded random weights) of the best known or trained networks into `dir/winners/N/`. */
function writeWinners(dir: string, rows: readonly RankedCandidate[]): string[] {
  return rows
    .filter((r) => r.standing === 'known' || r.standing === 'trained')
    .slice(0, WINNERS)
    .map((r, i) => writeNetworkFiles(join(dir, 'winners', String(i + 1)), r.candidate.space, r.candidate.args).dir);
}

function trainedEntries(setup: SearchSetup, journal: SearchJournal) {
  // Feasible candidates last: they carry a measured latency where there is one.
  const byKey = new Map([...setup.study.candidates, ...setup.study.feasible].map((c) => [c.key, c]));
  return journal.proposals.flatMap((p) => {
    const r = journal.results.get(p.trial);
    if (!r) return [];
    const c = byKey.get(p.key);
    return [{ trial: p.trial, spacename: p.spacename, law: p.law ?? null, id: p.id ?? null, args: p.args, accuracy: r.accuracy ?? null, ...(r.error ? { error: r.error } : {}), latencyMs: c?.latencyMs ?? null, memoryBytes: p.memoryBytes }];
  });
}

/** The search's outcome as `--json` prints it and DIR/search.json keeps it. */
function searchSummary(setup: SearchSetup, journal: SearchJournal, ranking: readonly RankedCandidate[]) {
  const best = ranking.find((r) => r.standing === 'known' || r.standing === 'trained');
  const entry = (r: RankedCandidate) => ({
    spacename: r.candidate.space,
    law: r.candidate.law ?? null,
    id: r.candidate.id ?? null,
    args: r.candidate.args,
    accuracy: r.accuracy,
    standing: r.standing,
    latencyMs: r.candidate.latencyMs ?? null,
    memoryBytes: r.candidate.weightBytes,
  });
  return {
    constraints: setup.identity.constraints,
    format: setup.constraints.format.name,
    latency: setup.latency?.label ?? null,
    prior: setup.identity.prior,
    candidates: setup.study.candidates.length,
    feasible: setup.study.feasible.length,
    derived: setup.derived,
    trained: trainedEntries(setup, journal),
    best: best ? entry(best) : null,
    ranking: ranking.map((r) => ({ ...entry(r), ...(r.std > 0 ? { std: r.std } : {}) })),
  };
}

/** Rows of the search's chart: the feasible networks drawn in front of the prior. */
const CHART_ROWS = 60;

/** Writes the accuracy-vs-latency (with a latency source) and accuracy-vs-weights charts of the search, PNG and SVG. */
async function writeCharts(o: SearchOptions, setup: SearchSetup, ranking: readonly RankedCandidate[]): Promise<string[]> {
  // Vega and resvg load only when charts are drawn, so other commands start fast.
  const { renderPng, renderSvg } = await import('../../report/render-node.js');
  const group = (r: RankedCandidate) => (r.standing === 'trained' ? SEARCH_GROUPS[3] : r.standing === 'known' ? SEARCH_GROUPS[2] : SEARCH_GROUPS[1]);
  const rows: SearchRow[] = [
    ...setup.priorPoints.map((p) => ({ label: p.label, group: SEARCH_GROUPS[0], latencyMs: p.latencyMs ?? null, weightsKiB: p.weightBytes / 1024, accuracy: p.accuracy })),
    ...ranking.filter((r) => r.standing !== 'failed').map((r) => ({ label: candidateLabel(r.candidate), group: group(r), latencyMs: r.candidate.latencyMs ?? null, weightsKiB: r.candidate.weightBytes / 1024, accuracy: r.accuracy })),
  ];
  const subtitle = `${setup.identity.constraints}; ${setup.study.feasible.length} feasible candidates, prior ${setup.identity.prior}`;
  const charts: [string, 'latency' | 'weights', number | undefined][] = [['search-weights', 'weights', setup.constraints.maxWeightBytes === undefined ? undefined : setup.constraints.maxWeightBytes / 1024]];
  if (setup.latency) charts.unshift(['search-latency', 'latency', setup.constraints.maxLatencyMs]);
  const written: string[] = [];
  for (const [name, axis, budget] of charts) {
    const svg = await renderSvg(searchAccuracySpec(rows, axis, budget, subtitle));
    writeFileAtomic(join(o.out, `${name}.svg`), svg, 'out');
    writeFileAtomic(join(o.out, `${name}.png`), renderPng(svg), 'out');
    written.push(join(o.out, `${name}.png`));
  }
  return written;
}

async function report(o: SearchOptions, setup: SearchSetup, journal: SearchJournal): Promise<void> {
  const pending = new Set(pendingTrials(journal).map((p) => p.key));
  const ranking = setup.study.ranking(Math.max(parseInteger(o.top, '--top'), CHART_ROWS), pending);
  const charts = await writeCharts(o, setup, ranking);
  ranking.splice(parseInteger(o.top, '--top'));
  const summary = searchSummary(setup, journal, ranking);
  writeFileAtomic(join(o.out, 'search.json'), `${JSON.stringify(summary, null, 2)}\n`, 'out');
  const winners = writeWinners(o.out, ranking);
  if (o.json) return printJson(summary);
  console.log(`${setup.study.feasible.length} of ${setup.study.candidates.length} candidates meet ${setup.identity.constraints}${setup.latency ? ` (latency ${setup.latency.label})` : ''}`);
  console.log(rankingTable(ranking, setup));
  console.log(`\n${summary.trained.length} trainings in ${searchJournalPath(o.out)}; summary in ${join(o.out, 'search.json')}`);
  console.log(`charts: ${charts.join(', ')}`);
  if (winners.length > 0) console.log(`args and ONNX of the best known or trained networks: ${winners.join(', ')} (seeded random weights: train them, then \`iotnets export --weights\`)`);
}

/** The live meter of a search defined with --measure: ONNX Runtime on this machine, with the measurement options. */
async function meterOf(o: SearchOptions, definition: SearchDefinition): Promise<LatencyMeter | undefined> {
  if (!definition.measure) return undefined;
  const { settings, protocol } = parseMeasurementOptions(o);
  return runtimeMeter({ engine: await nodeEngine(), settings, protocol }, 'this machine');
}

const measuredNote = (c: Candidate, r: LatencyRecord, feasible: boolean) =>
  note(`measured ${candidateLabel(c)}: ${formatLatency(r.latencyMs)} (predicted ${r.predictedMs !== undefined ? formatLatency(r.predictedMs) : '?'}): ${feasible ? 'meets the latency bound' : 'over the latency bound, dropped'}`);

async function runSearch(o: SearchOptions): Promise<void> {
  if (o.table) return printMemoryTable(o);
  const budget = parseInteger(o.trainBudget, '--train-budget');
  const parallel = parseInteger(o.parallel, '--parallel');
  check(parallel >= 1, `--parallel must be at least 1, got ${parallel}`);
  const timeoutMs = o.trainerTimeout === undefined ? undefined : parseLatencyMs(o.trainerTimeout);
  const definition = definitionOf(o);
  const setup = await setUpSearch(definition, note);
  if (o.cv) {
    const cv = crossValidate(setup.prior);
    if (o.json) return printJson(cv);
    console.log(`surrogate on ${setup.identity.prior}, ${cv.folds}-fold cross-validated: Spearman ${cv.spearman.toFixed(3)}, MAE ${(cv.mae * 100).toFixed(2)} points`);
    return;
  }
  const meter = await meterOf(o, definition);
  const { writer, journal } = journalFor(o, setup, definition);
  try {
    if (o.trainer === undefined) {
      replayJournal(setup.study, journal);
      const next = await askMeasured(setup.study, new Set(pendingTrials(journal).map((p) => p.key)), writer, { ...(meter ? { meter } : {}), events: { measured: measuredNote } });
      await report(o, setup, readSearchJournal(o.out));
      if (next && !o.json) {
        console.log(`next to train: ${candidateLabel(next.candidate)} (predicted ${percent(next.mean)} ± ${(2 * next.std * 100).toFixed(2)}); train with --trainer CMD, or hand it out with \`search ask --out ${o.out}\``);
      }
      return;
    }
    for (const trial of await stopOrphanTrainers(o.out, pendingTrials(journal))) {
      note(`note: trial ${trial}'s trainer was still running from a search that was killed; stopped it, and trial ${trial} trains again`);
    }
    const started = performance.now();
    let finished = 0;
    const outcome = await runInterruptibly((signal) =>
      runSearchLoop(setup.study, journal, writer, commandTrainer({ command: o.trainer!, dir: o.out, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }), {
        budget,
        parallel,
        retryFailed: o.retryFailed === true,
        signal,
        ...(meter ? { meter } : {}),
        events: {
          measured: measuredNote,
          proposed: (p) => note(`trial ${p.trial}: training ${candidateLabel({ ...p, space: p.spacename })} (predicted ${percent(p.predicted.mean)} ± ${(2 * p.predicted.std * 100).toFixed(2)})`),
          finished: (p, r, spent) => {
            finished += 1;
            const seconds = (performance.now() - started) / 1000;
            const eta = spent < budget ? `, ETA ${formatDuration(((seconds / finished) * (budget - spent)) / parallel)}` : '';
            note(`[${spent}/${budget}] trial ${p.trial}: ${r.accuracy !== undefined ? percent(r.accuracy) : `failed: ${withFlags(r.error ?? '')}`}${eta}`);
          },
        },
      }),
    );
    if (outcome.signal) {
      note(`${outcome.signal}: stopped; every finished training is in ${searchJournalPath(o.out)}, run the same command to continue`);
      process.exitCode = outcome.exitCode;
    }
  } finally {
    writer.close();
  }
  await report(o, setup, readSearchJournal(o.out));
}

/** Up to `count` proposals, each measured before it is handed out (a batch measured one by one, each excluded from the next pick). */
async function askEachMeasured(setup: SearchSetup, pending: Set<string>, writer: Journal, meter: LatencyMeter, count: number) {
  const proposals = [];
  while (proposals.length < count) {
    const next = await askMeasured(setup.study, pending, writer, { meter, events: { measured: measuredNote } });
    if (!next) break;
    proposals.push(next);
    pending.add(next.candidate.key);
  }
  return proposals;
}

/** `iotnets search ask`: hands out the next networks to train (args and ONNX written), recording them in the journal. */
async function ask(o: SearchOptions & { count: string }, command: Command): Promise<void> {
  const journal0 = readSearchJournal(o.out);
  const given = DEFINITION_KEYS.some((k) => command.getOptionValueSource(k) === 'cli');
  check(given || journal0.header, `${o.out} holds no search yet: give its definition (--pool or --space, constraints, latency source) the first time`);
  const definition = given ? definitionOf(o) : (journal0.header!.definition as unknown as SearchDefinition);
  const setup = await setUpSearch(definition, note);
  const meter = await meterOf(o, definition);
  const { writer, journal } = journalFor(o, setup, definition);
  let handed: { record: ProposalRecord; files: NetworkFiles }[];
  try {
    replayJournal(setup.study, journal);
    const pending = pendingTrials(journal);
    const count = parseInteger(o.count, '--count');
    check(count >= 1, `--count must be at least 1, got ${count}`);
    const proposals = meter ? await askEachMeasured(setup, new Set(pending.map((p) => p.key)), writer, meter, count) : setup.study.ask(count, new Set(pending.map((p) => p.key)));
    check(proposals.length > 0, `every feasible candidate is known, trained or pending (${pending.length} pending); tell their results or add candidates`);
    let trial = nextTrial(journal);
    handed = proposals.map((p) => {
      const record: ProposalRecord = proposalRecord(trial++, p, new Date().toISOString());
      const files = writeTrialFiles(o.out, record);
      writer.append(record);
      return { record, files };
    });
  } finally {
    writer.close();
  }
  if (o.json) return printJson(handed.map(({ record, files }) => ({ trial: record.trial, spacename: record.spacename, law: record.law ?? null, id: record.id ?? null, args: record.args, argsFile: files.argsFile, onnx: files.onnxFile, predicted: record.predicted })));
  for (const { record, files } of handed) {
    console.log(`trial ${record.trial}: ${candidateLabel({ ...record, space: record.spacename })}  predicted ${percent(record.predicted.mean)} ± ${(2 * record.predicted.std * 100).toFixed(2)}  args ${files.argsFile}  onnx ${files.onnxFile}`);
  }
  console.log(`train them, then: iotnets search tell --out ${o.out} --trial N --accuracy 0.83`);
}

/** `iotnets search tell`: records the accuracy (or failure) of a trial handed out by `search ask`. */
function tell(o: { out: string; trial: string; accuracy?: string; failed?: string }): void {
  check((o.accuracy === undefined) !== (o.failed === undefined), 'give exactly one of --accuracy or --failed');
  const accuracy = o.accuracy === undefined ? undefined : parseAccuracyLine(o.accuracy);
  check(o.accuracy === undefined || accuracy !== undefined, `--accuracy '${o.accuracy}' is not a fraction in [0,1] or a percentage`);
  const trial = parseInteger(o.trial, '--trial');
  const { writer, journal } = openSearchJournal(o.out);
  try {
    check(journal.header, `${searchJournalPath(o.out)} holds no search; run \`iotnets search ask\` first`);
    check(journal.proposals.some((p) => p.trial === trial), `trial ${trial} was never proposed in ${o.out}; see its journal for the trials handed out`);
    check(!journal.results.has(trial), `trial ${trial} already has a result; nothing is recorded twice`);
    writer.append(resultRecord(trial, accuracy !== undefined ? { accuracy } : { error: o.failed! }, new Date().toISOString()));
  } finally {
    writer.close();
  }
  console.log(`trial ${trial}: ${accuracy !== undefined ? percent(accuracy) : `failed (${o.failed})`} recorded in ${searchJournalPath(o.out)}`);
}

/** `iotnets search`: the constrained network search (with `ask` and `tell`), and the paper's memory result as a table. */
export function register(program: Command): void {
  // `search ask --out DIR` must give --out to ask, not to search: options bind to the command they follow.
  program.enablePositionalOptions();
  const search = addDefinitionOptions(
    program
      .command('search')
      .description('constrained network search: propose, calibrate, and train only the candidates that can win')
      .enablePositionalOptions(),
  )
    .option('--out <dir>', 'the search directory: journal, trial files, summary and winners', 'out/search')
    .option('--trainer <command>', 'shell command that trains one candidate (env IOTNETS_SPACE, IOTNETS_LAW, IOTNETS_ID, IOTNETS_ARGS_FILE, IOTNETS_ONNX, IOTNETS_TRIAL) and prints its accuracy last')
    .option('--train-budget <T>', 'trainings to spend in total (those in the journal count)', '10')
    .option('--parallel <N>', 'trainings running at once', '1')
    .option('--trainer-timeout <time>', 'a training taking longer is killed and recorded as failed, e.g. 2h is 7200s')
    .option('--retry-failed', 'propose failed trials again')
    .option('--force', "set another search's journal in --out aside and start over")
    .option('--top <k>', 'rows of the ranked table', '10')
    .option('--table', 'print the best catalog network under weight budgets 8 KiB - 1 MiB for fp32, fp16, bf16, int8 and e4m3')
    .option('--cv', "print the surrogate's cross-validated Spearman and MAE on the prior")
    .option('--json', 'print JSON')
    .action(runSearch);
  addMeasurementOptions(search);
  addMeasurementOptions(addDefinitionOptions(search.command('ask').description('hand out the next candidates to train (writes their args and ONNX); record results with `search tell`')))
    .option('--out <dir>', 'the search directory', 'out/search')
    .option('-n, --count <n>', 'how many candidates to hand out', '1')
    .option('--force', "set another search's journal in --out aside and start over")
    .option('--json', 'print JSON')
    .action((o, command: Command) => ask(o, command));
  search
    .command('tell')
    .description('record the accuracy of a trial handed out by `search ask`')
    .option('--out <dir>', 'the search directory', 'out/search')
    .requiredOption('--trial <n>', 'the trial number `search ask` printed')
    .option('--accuracy <value>', 'its accuracy: a fraction in [0,1] or a percentage')
    .option('--failed <reason>', 'record the trial as failed instead')
    .action(tell);
}
