/**
 * A failure the action expects and explains: the step fails with this message
 * alone. Anything else reaching main.ts is a defect and gets its stack in the
 * debug log.
 */
export class ActionError extends Error {
  override readonly name: string = 'ActionError';
}

export class InputError extends ActionError {
  override readonly name = 'InputError';
}

/** The text of anything thrown, for a message that quotes it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The message of an expected failure, for a caller that reports it and goes
 * on to the next service or item. A defect (a TypeError…) is thrown on, so
 * main.ts reports it as one, with its stack in the debug log.
 */
export function expectedMessage(error: unknown): string {
  if (error instanceof ActionError) return error.message;
  throw error;
}
