/** Exit codes of a process ended by a signal (128 + signal number), as shells report them. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** What an interruptible task returned, and the signal that interrupted it, if any. */
export interface InterruptibleOutcome<T> {
  readonly result: T;
  readonly signal?: HandledSignal;
  /** 130 after SIGINT, 143 after SIGTERM, 0 otherwise. */
  readonly exitCode: number;
}

/**
 * Runs `task` with an abort signal that SIGINT or SIGTERM fires, so the task can stop cleanly and save what it has.
 * A second signal while it is stopping exits at once.
 */
export async function runInterruptibly<T>(task: (signal: AbortSignal) => Promise<T>): Promise<InterruptibleOutcome<T>> {
  const controller = new AbortController();
  let received: HandledSignal | undefined;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]).map((name) => {
    const handler = () => {
      if (received) process.exit(SIGNAL_EXIT_CODES[received]);
      received = name;
      process.stderr.write(`\n${name}: stopping after the current inference run (press Ctrl-C again to quit at once)\n`);
      controller.abort();
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  try {
    const result = await task(controller.signal);
    return { result, ...(received ? { signal: received } : {}), exitCode: received ? SIGNAL_EXIT_CODES[received] : 0 };
  } finally {
    for (const remove of handlers) remove();
  }
}
