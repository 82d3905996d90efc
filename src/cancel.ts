import { ActionError } from './errors.js';

/**
 * How a cancelled run winds down. The runner sends SIGINT, SIGTERM a few
 * seconds later, then SIGKILL: on the first signal `stop` fires (start nothing
 * new), `abort` a grace later (cut what is still in flight), and `deadline`
 * last, the end of the time clean-up work (a rollback) may take while leaving
 * room to write the outputs and the summary.
 */
export interface Cancellation {
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
  readonly deadline: AbortSignal;
  /** The signal that cancelled the run, once one has. */
  readonly by: () => string | undefined;
}

/** In-flight requests get this long to finish after the signal. */
export const IN_FLIGHT_GRACE_MS = 1500;
/** Clean-up ends here after the signal: the report still has a second before the runner's SIGKILL. */
export const CLEAN_UP_DEADLINE_MS = 3000;

const never = new AbortController().signal;

/** For runs nothing can cancel (unit tests, the demo). */
export const NOT_CANCELLABLE: Cancellation = { stop: never, abort: never, deadline: never, by: () => undefined };

/**
 * Listens for SIGINT and SIGTERM for the rest of the process. Having a
 * listener keeps Node from dying on the second signal, so the report is
 * always written.
 */
export function cancelOnSignals(onCancel: (signal: string) => void = () => undefined): Cancellation {
  const stop = new AbortController();
  const abort = new AbortController();
  const deadline = new AbortController();
  let by: string | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (by !== undefined) return;
    by = signal;
    stop.abort();
    setTimeout(() => abort.abort(), IN_FLIGHT_GRACE_MS).unref();
    setTimeout(() => deadline.abort(), CLEAN_UP_DEADLINE_MS).unref();
    onCancel(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return { stop: stop.signal, abort: abort.signal, deadline: deadline.signal, by: () => by };
}

/** A timer that ends early when `signal` fires; it never rejects. */
export function sleepUnless(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The reason every item the run did not get to carries. */
export const NOT_SENT_CANCELLED = 'Not sent: the run was cancelled';

/** A request the transport refused to start, or cut in flight, because the run was cancelled. */
export class CancelledError extends ActionError {
  override readonly name = 'CancelledError';

  constructor(
    readonly method: string,
    readonly path: string,
    /** True when the request had gone out: Fastly may have acted on it. */
    readonly inFlight: boolean
  ) {
    super(
      inFlight
        ? `Cancelled in flight: ${method} ${path} was cut off when the run was cancelled; Fastly may or may not have acted on it`
        : `${NOT_SENT_CANCELLED} (${method} ${path})`
    );
  }
}

/** A request the cancel kept from going out: Fastly never saw it, so there is nothing to count or read back. */
export function neverSent(error: unknown): boolean {
  return error instanceof CancelledError && !error.inFlight;
}
