import { check } from '../errors.js';
import type { Args, Ranges } from '../zoo/index.js';

/** Version of the search journal's records; a reader refuses any other. */
export const SEARCH_JOURNAL_VERSION = 1;

/** What makes a search the same search: a journal of another one is refused unless forced. */
export interface SearchIdentity {
  /** The constraints in words, e.g. "fp16 weights <= 32768 B, latency <= 10.0 ms". */
  readonly constraints: string;
  readonly latency?: string;
  readonly prior: string;
  /** How many candidates, and a digest of their keys. */
  readonly candidates: number;
  readonly candidatesDigest: string;
}

/** The first record: which search this journal belongs to, and how it was defined (the options to replay). */
export interface SearchHeader {
  readonly type: 'search';
  readonly version: number;
  readonly identity: SearchIdentity;
  /** The definition the search was started with, so `ask` can continue it without repeating every option. */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
}

/** A network handed out for training. */
export interface ProposalRecord {
  readonly type: 'proposal';
  readonly trial: number;
  readonly key: string;
  readonly spacename: string;
  readonly law?: string | Ranges;
  readonly id?: number;
  readonly args: Args;
  /** What the surrogate expected when the network was proposed (probabilityOfImprovement absent in older journals). */
  readonly predicted: { readonly mean: number; readonly std: number; readonly probabilityOfImprovement?: number; readonly expectedImprovement: number };
  readonly latencyMs?: number;
  readonly memoryBytes: number;
  readonly proposedAt: string;
}

/** How a trial ended. */
export interface ResultRecord {
  readonly type: 'result';
  readonly trial: number;
  /** The accuracy as a fraction; absent for a failed trial. */
  readonly accuracy?: number;
  readonly error?: string;
  readonly stderrTail?: string;
  readonly seconds?: number;
  readonly finishedAt: string;
}

/** A candidate's latency measured live on this machine (`measure`), confirming or refuting its predicted latency. */
export interface LatencyRecord {
  readonly type: 'latency';
  readonly key: string;
  /** Median of the protocol's kept runs, ms. */
  readonly latencyMs: number;
  readonly runs: number;
  readonly protocol: string;
  /** The latency predicted when the candidate was prefiltered, ms. */
  readonly predictedMs?: number;
  readonly measuredAt: string;
}

/** Any record of a search journal. */
export type SearchRecord = SearchHeader | ProposalRecord | ResultRecord | LatencyRecord;

/** A search journal replayed: the header, every proposal and the result of each finished trial. */
export interface SearchJournal {
  readonly header?: SearchHeader;
  readonly proposals: readonly ProposalRecord[];
  readonly results: ReadonlyMap<number, ResultRecord>;
  /** Latencies measured live, by candidate key. */
  readonly latencies: ReadonlyMap<string, LatencyRecord>;
}

/** A journal with nothing in it yet. */
export const EMPTY_SEARCH_JOURNAL: SearchJournal = { proposals: [], results: new Map(), latencies: new Map() };

const KINDS: ReadonlySet<string> = new Set(['search', 'proposal', 'result', 'latency']);

function checkRecord(record: unknown, where: string, journal: { header?: SearchHeader; proposals: ProposalRecord[] }): SearchRecord {
  check(typeof record === 'object' && record !== null && KINDS.has((record as { type?: string }).type ?? ''), `${where}: not a search record; is this an iotnets search journal?`);
  const r = record as SearchRecord;
  if (r.type === 'search') {
    check(journal.header === undefined && journal.proposals.length === 0, `${where}: a second search header; the journal mixes two searches`);
    check(r.version === SEARCH_JOURNAL_VERSION, `${where}: search journal version ${String(r.version)}, this iotnets reads ${SEARCH_JOURNAL_VERSION}`);
  } else if (r.type === 'latency') {
    check(journal.header !== undefined, `${where}: a latency before the search header`);
    check(typeof r.key === 'string' && typeof r.latencyMs === 'number' && Number.isFinite(r.latencyMs) && r.latencyMs > 0, `${where}: a latency record needs a key and a latency in ms > 0`);
  } else {
    check(journal.header !== undefined, `${where}: a ${r.type} before the search header`);
    check(Number.isInteger(r.trial) && r.trial >= 1, `${where}: trial must be a whole number >= 1`);
  }
  if (r.type === 'proposal') check(typeof r.key === 'string' && typeof r.spacename === 'string' && typeof r.args === 'object' && r.args !== null, `${where}: a proposal needs key, spacename and args`);
  if (r.type === 'result') check(r.accuracy === undefined || (typeof r.accuracy === 'number' && r.accuracy >= 0 && r.accuracy <= 1), `${where}: accuracy ${String(r.accuracy)} is not a fraction in 0..1`);
  return r;
}

/** Replays a search journal's records (JSON lines as read back); a bad or contradictory record is one line naming it. */
export function replaySearchRecords(records: readonly { value: unknown; line: number }[], source: string): SearchJournal {
  const journal: { header?: SearchHeader; proposals: ProposalRecord[] } = { proposals: [] };
  const results = new Map<number, ResultRecord>();
  const latencies = new Map<string, LatencyRecord>();
  for (const { value, line } of records) {
    const where = `${source} line ${line}`;
    const record = checkRecord(value, where, journal);
    if (record.type === 'search') journal.header = record;
    else if (record.type === 'latency') latencies.set(record.key, record);
    else if (record.type === 'proposal') {
      check(!journal.proposals.some((p) => p.trial === record.trial), `${where}: trial ${record.trial} proposed twice`);
      journal.proposals.push(record);
    } else {
      check(journal.proposals.some((p) => p.trial === record.trial), `${where}: a result for trial ${record.trial}, which was never proposed`);
      check(!results.has(record.trial), `${where}: trial ${record.trial} has a second result`);
      results.set(record.trial, record);
    }
  }
  return { ...(journal.header ? { header: journal.header } : {}), proposals: journal.proposals, results, latencies };
}

/** Trials proposed but without a result: running elsewhere (ask/tell) or cut short by a kill. */
export function pendingTrials(journal: SearchJournal): ProposalRecord[] {
  return journal.proposals.filter((p) => !journal.results.has(p.trial));
}

/** The differences between two search identities, in words (empty when they are the same search). */
export function identityDifferences(a: SearchIdentity, b: SearchIdentity): string[] {
  return (Object.keys(a) as (keyof SearchIdentity)[]).filter((k) => a[k] !== b[k]).map((k) => `${k}: ${String(a[k])} vs ${String(b[k])}`);
}

/** A short digest of strings (two 32-bit FNV-1a hashes with different offsets): enough to tell two candidate lists apart. */
export function digest(items: readonly string[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const item of items) {
    for (let i = 0; i <= item.length; i++) {
      const code = i < item.length ? item.charCodeAt(i) : 10;
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x01000193) ^ (a >>> 15);
    }
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
