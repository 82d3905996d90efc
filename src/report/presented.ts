import type { Html } from './html.js';

/** Failures listed in the `result` output, at most: GitHub caps one output at 1 MiB; the log has every failure. */
export const MAX_FAILURES_IN_RESULT = 2000;

/** What each kind of outcome (purges, activations) gives the report: main.ts's outputs, summary and log. */
export interface Presented {
  readonly failed: boolean;
  /** The headline after "✅ Fastly <mode>: ". */
  readonly headline: Html;
  /** Summary sections, every untrusted text escaped. */
  readonly sections: readonly Html[];
  /** The kind's fields of the `result` output. */
  readonly result: Readonly<Record<string, unknown>>;
  /** The kind's own outputs. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
  /** Writes the log lines; answers the step's failure message, if any. */
  readonly log: () => string | undefined;
}
