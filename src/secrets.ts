/** What a secret's forms are replaced by, as the runner masks them in the log. */
export const MASK = '***';

/** Below this a base64 run says too little to be sure it holds the secret: "YQ" is "a" and a thousand other things. */
const MIN_BASE64_CORE = 8;
const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

export type Scrubber = (text: string) => string;

/**
 * Removes every form of `secret` a server or proxy may echo back: raw, URL-encoded
 * (either case of hex), and base64 or base64url, alone or inside a longer run such
 * as `Authorization: Basic base64(user:secret)`. Where the secret starts inside a
 * base64 run decides its encoding, so each of the 3 byte offsets has its own core:
 * the characters only the secret's bytes determine. The whole run around a core is
 * masked, since its edge characters carry a few of the secret's bits too.
 */
export function scrubberFor(secret: string): Scrubber {
  if (secret === '') return text => text;
  const literals = [...new Set([secret, encodeURIComponent(secret)])];
  const encoded = literals.map(literal => new RegExp(escapeRegExp(literal), literal === secret ? 'g' : 'gi'));
  const cores = [...new Set([0, 1, 2].flatMap(offset => base64Cores(secret, offset)))].filter(core => core.length >= MIN_BASE64_CORE);
  return text => {
    let out = text;
    for (const pattern of encoded) out = out.replace(pattern, MASK);
    for (const core of cores) out = maskRuns(out, core);
    return out;
  };
}

function base64Cores(secret: string, offset: number): string[] {
  const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret, 'utf8')]);
  const end = Math.floor(bytes.length / 3) * 4;
  const start = offset === 0 ? 0 : 4;
  const standard = bytes.toString('base64').slice(start, end);
  return [standard, bytes.toString('base64url').slice(start, end)];
}

function maskRuns(text: string, core: string): string {
  let out = text;
  for (let at = out.indexOf(core); at >= 0; at = out.indexOf(core, at + MASK.length)) {
    let from = at;
    let to = at + core.length;
    while (from > 0 && BASE64_CHAR.test(out.charAt(from - 1))) from -= 1;
    while (to < out.length && BASE64_CHAR.test(out.charAt(to))) to += 1;
    while (out.charAt(to) === '=') to += 1;
    out = `${out.slice(0, from)}${MASK}${out.slice(to)}`;
    at = from;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let active: Scrubber = text => text;

/** From here on, `scrub` removes this secret: the last line of defence before any log, output or summary write. */
export function registerSecret(secret: string): void {
  active = scrubberFor(secret);
}

export function scrub(text: string): string {
  return active(text);
}
