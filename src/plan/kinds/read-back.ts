/** Reading a canonical state back from a plan comment: its shape is not trusted, so nothing here throws. */
export function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function field(value: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(value, name) ? value[name] : undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * A value read back, for a sentence: a string as it is, anything else in JSON's spelling.
 * `String()` would throw for an object whose `toString` is no function, which JSON can give.
 */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

export function numberOr(n: number | undefined): string {
  return n === undefined ? 'none' : String(n);
}
