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
