import { check, field } from '../errors.js';
import { pendingTrials, type LatencyRecord, type ProposalRecord, type ResultRecord, type SearchJournal, type SearchRecord } from './journal.js';
import type { Candidate } from './candidates.js';
import type { LatencyMeter } from './latency.js';
import type { Proposal, Study } from './study.js';

/** How one training ended: an accuracy (a fraction), or an error with the end of the trainer's stderr. */
export interface TrainOutcome {
  readonly accuracy?: number;
  readonly error?: string;
  readonly stderrTail?: string;
  readonly seconds?: number;
}

/** Trains one proposed network (the user's command, a cluster job, or a lookup in a benchmark). */
export interface Trainer {
  train(trial: ProposalRecord, signal: AbortSignal): Promise<TrainOutcome>;
}

/** Where records go: each append must be durable before it returns. */
export interface RecordSink {
  append(record: SearchRecord): void;
}

/** What the loop reports as it goes. */
export interface LoopEvents {
  proposed?(trial: ProposalRecord): void;
  /** A candidate's latency was measured; `feasible` says whether it stays a candidate. */
  measured?(candidate: Candidate, record: LatencyRecord, feasible: boolean): void;
  finished?(trial: ProposalRecord, result: ResultRecord, spent: number): void;
}

/** How long and how wide the loop runs. */
export interface LoopOptions {
  /** Trainings to spend in total, counting those the journal already holds. */
  readonly budget: number;
  /** Trainings running at once. */
  readonly parallel: number;
  /** Propose failed trials' networks again instead of leaving them failed. */
  readonly retryFailed?: boolean;
  readonly now?: () => string;
  readonly signal?: AbortSignal;
  readonly events?: LoopEvents;
  /** Measures each network before it is proposed (its latency bound confirmed on the device). */
  readonly meter?: LatencyMeter;
}

/** The proposal record of trial `trial`. */
export function proposalRecord(trial: number, p: Proposal, proposedAt: string): ProposalRecord {
  const c = p.candidate;
  return {
    type: 'proposal',
    trial,
    key: c.key,
    spacename: c.space,
    ...(c.law !== undefined ? { law: c.law } : {}),
    ...(c.id !== undefined ? { id: c.id } : {}),
    args: c.args,
    predicted: { mean: p.mean, std: p.std, probabilityOfImprovement: p.probabilityOfImprovement, expectedImprovement: p.expectedImprovement },
    ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}),
    memoryBytes: c.weightBytes,
    proposedAt,
  };
}

/** The result record of a finished trial. */
export function resultRecord(trial: number, outcome: TrainOutcome, finishedAt: string): ResultRecord {
  return { type: 'result', trial, ...outcome, finishedAt };
}

/** Tells the study every measured latency and every finished trial of the journal; returns how many trials count against the budget. */
export function replayJournal(study: Study, journal: SearchJournal, retryFailed = false): number {
  for (const l of journal.latencies.values()) study.measure(l.key, l.latencyMs);
  let spent = 0;
  for (const p of journal.proposals) {
    const r = journal.results.get(p.trial);
    if (!r || (r.accuracy === undefined && retryFailed)) continue;
    study.tell(p.key, r.accuracy);
    spent += 1;
  }
  return spent;
}

/**
 * The next network to train, outside `pending`: with a meter, the best proposal is measured first (the measurement
 * appended to the journal) and replaced by the next best while its measured latency misses the bound.
 */
export async function askMeasured(
  study: Study,
  pending: ReadonlySet<string>,
  sink: RecordSink,
  o: { meter?: LatencyMeter; now?: () => string; signal?: AbortSignal; events?: LoopEvents },
): Promise<Proposal | undefined> {
  for (;;) {
    const [next] = study.ask(1, pending);
    if (!next || !o.meter || study.confirmed(next.candidate.key) || o.signal?.aborted) return next;
    const live = await o.meter.measure(next.candidate, o.signal);
    const c = next.candidate;
    const record: LatencyRecord = {
      type: 'latency',
      key: c.key,
      ...live,
      ...(c.latencyMs !== undefined ? { predictedMs: c.latencyMs } : {}),
      measuredAt: (o.now ?? (() => new Date().toISOString()))(),
    };
    sink.append(record);
    study.measure(c.key, live.latencyMs);
    o.events?.measured?.(c, record, study.confirmed(c.key));
  }
}

/** The next trial number of a journal (trials count from 1). */
export function nextTrial(journal: SearchJournal): number {
  return Math.max(0, ...journal.proposals.map((p) => p.trial)) + 1;
}

/**
 * Proposes, trains, records and refits until the budget is spent or no candidate is left: trials the journal has
 * proposed but not finished (a kill) run first; each proposal and each result is appended before the next step.
 */
export async function runSearchLoop(study: Study, journal: SearchJournal, sink: RecordSink, trainer: Trainer, o: LoopOptions): Promise<{ spent: number }> {
  check(Number.isInteger(o.budget) && o.budget >= 0, `the training budget must be a whole number >= 0, got ${o.budget}`);
  check(Number.isInteger(o.parallel) && o.parallel >= 1, `${field('parallel')} must be a whole number >= 1, got ${o.parallel}`);
  const now = o.now ?? (() => new Date().toISOString());
  const abort = new AbortController();
  o.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  let spent = replayJournal(study, journal, o.retryFailed);
  let trial = nextTrial(journal);
  const resumed = pendingTrials(journal);
  const running = new Map<number, Promise<{ proposal: ProposalRecord; outcome: TrainOutcome }>>();
  const start = (proposal: ProposalRecord) =>
    running.set(proposal.trial, trainer.train(proposal, abort.signal).then((outcome) => ({ proposal, outcome })));
  const runningKeys = () => new Set([...resumed.map((p) => p.key), ...[...running.keys()].map((t) => keyOf.get(t)!)]);
  const keyOf = new Map<number, string>();
  while (!abort.signal.aborted) {
    while (running.size < o.parallel && spent + running.size < o.budget) {
      let proposal = resumed.shift();
      if (!proposal) {
        const next = await askMeasured(study, runningKeys(), sink, { ...o, now, signal: abort.signal });
        if (!next || abort.signal.aborted) break;
        proposal = proposalRecord(trial++, next, now());
        sink.append(proposal);
        o.events?.proposed?.(proposal);
      }
      keyOf.set(proposal.trial, proposal.key);
      start(proposal);
    }
    if (running.size === 0) break;
    const { proposal, outcome } = await Promise.race(running.values());
    running.delete(proposal.trial);
    if (abort.signal.aborted) break;
    const result = resultRecord(proposal.trial, outcome, now());
    sink.append(result);
    study.tell(proposal.key, outcome.accuracy);
    spent += 1;
    o.events?.finished?.(proposal, result, spent);
  }
  await Promise.allSettled(running.values());
  return { spent };
}
