// @ts-check
/** What both fakes (Fastly, GitHub) need of an incoming request, to log and route it. */

/** One string per header, lower-case names, as a log entry keeps them. @param {import('node:http').IncomingHttpHeaders} headers */
export function flatHeaders(headers) {
  /** @type {Record<string, string>} */
  const flat = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The whole body, as bytes (a package upload is binary). @param {import('node:http').IncomingMessage} req */
export async function readBody(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}
