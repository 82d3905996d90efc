import type { Html } from './html.js';

/** Failures listed in the `result` output, at most: GitHub caps one output at 1 MiB; the log has every failure. */
export const MAX_FAILURES_IN_RESULT = 2000;

/** What each kind of outcome (purges, activations) gives the report, as plain data: outputs, summary, log. */
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
  /** What the log says of the result, in order. */
  readonly log: readonly LogLine[];
  /** The step's failure message, when the result fails the step. */
  readonly failure: string | undefined;
}

/** A log line, or a folded group of them (a long list that would bury the rest). */
export type LogLine =
  | { readonly level: 'info' | 'error'; readonly text: string }
  | { readonly group: string; readonly lines: readonly string[] }
  /** An annotation on a repository file (a lint finding). */
  | { readonly annotate: 'error' | 'warning'; readonly text: string; readonly file: string; readonly line: number | undefined; readonly column: number | undefined };
