import { FastlyError, isRecord } from './errors.js';
import type { Transport } from './transport.js';

/** What Fastly's linter said of one VCL source. */
export interface LintResult {
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface LintCalls {
  /** Lints one source with the service's flags; changes nothing, so it goes out in a dry run and before the token check. */
  lintVcl(sid: string, vcl: string): Promise<LintResult>;
}

export function lintCalls(transport: Transport): LintCalls {
  return {
    async lintVcl(sid, vcl) {
      const path = `/service/${encodeURIComponent(sid)}/lint`;
      try {
        return lintResult(await transport.send({ method: 'POST', path, json: { vcl }, changesNothing: true, verify: lintAnswer }));
      } catch (error) {
        // No recording shows how invalid VCL is answered: a refusal that carries the linter's answer is read as one.
        if (error instanceof FastlyError && (error.status === 400 || error.status === 422)) {
          const parsed = parsedBody(error.body);
          const result = parsed === undefined || lintAnswer(parsed) !== undefined ? undefined : lintResult(parsed);
          return result && !result.ok ? result : { ok: false, errors: [error.reason], warnings: result?.warnings ?? [] };
        }
        throw error;
      }
    }
  };
}

/** The SDKs' ValidatorResult wraps the answer in data.attributes; Fastly's reference page shows it bare. */
function attributesOf(body: unknown): Record<string, unknown> | undefined {
  if (!isRecord(body)) return undefined;
  const data = body.data;
  if (isRecord(data) && isRecord(data.attributes)) return data.attributes;
  return body;
}

function lintAnswer(body: unknown): string | undefined {
  const attributes = attributesOf(body);
  const known = attributes && (attributes.status === 'ok' || attributes.status === 'error' || Array.isArray(attributes.errors) || Array.isArray(attributes.messages));
  return known ? undefined : 'its answer has no lint "status", "errors" or "messages", so what the linter found is unknown';
}

function lintResult(body: unknown): LintResult {
  const attributes = attributesOf(body) ?? {};
  let errors = strings(attributes.errors);
  let warnings = strings(attributes.warnings);
  // `messages` repeats the two lists with a flag each; it is read only when they are absent.
  if (errors.length === 0 && warnings.length === 0 && Array.isArray(attributes.messages)) {
    const messages = attributes.messages.filter(isRecord);
    errors = messages.filter(m => m.warning !== true && m.type !== 'warning').flatMap(m => strings(m.message));
    warnings = messages.filter(m => m.warning === true || m.type === 'warning').flatMap(m => strings(m.message));
  }
  const failed = attributes.status === 'error' || errors.length > 0;
  if (failed && errors.length === 0) errors = strings(attributes.msg).length > 0 ? strings(attributes.msg) : ['Fastly\'s linter answered "status": "error" without a message'];
  return { ok: !failed, errors, warnings };
}

function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap(item => (isRecord(item) ? strings(item.message ?? item.msg) : strings(item)));
}
