// @ts-check
/**
 * VCL lint: `POST /service/{sid}/lint` with the JSON body `{"vcl": "…"}`. It
 * changes nothing, so it spends no write budget and `writes()` leaves it out.
 * A source holding `SYNTAX ERROR` (the marker validation also fails on) gets
 * an error with its position in the text, as Fastly's compiler writes it; one
 * holding `LINT WARNING` a warning. `shapes.lint` picks the answer's shape:
 * the SDKs' `data.attributes` wrapper, the reference page's bare object, or a
 * 400 carrying the bare object for invalid VCL.
 *
 * @typedef {import('./server.mjs').Ctx} Ctx
 * @typedef {import('./server.mjs').Route} Route
 * @typedef {import('./server.mjs').Answer} Answer
 */

export const LINT_PATH = /^\/service\/[^/]+\/lint$/;
export const LINT_ERROR = 'SYNTAX ERROR';
export const LINT_WARNING = 'LINT WARNING';

/** Line and position (1-based) of `marker` in `text`. @param {string} text @param {number} at */
function position(text, at) {
  const before = text.slice(0, at).split('\n');
  return { line: before.length, pos: (before.at(-1) ?? '').length + 1 };
}

/** @param {string} vcl */
function findings(vcl) {
  /** @type {string[]} */
  const errors = [];
  /** @type {string[]} */
  const warnings = [];
  for (let at = vcl.indexOf(LINT_ERROR); at >= 0; at = vcl.indexOf(LINT_ERROR, at + 1)) {
    const { line, pos } = position(vcl, at);
    errors.push(`Syntax error: Unexpected 'SYNTAX'\nat: (input Line ${line} Pos ${pos})`);
  }
  for (let at = vcl.indexOf(LINT_WARNING); at >= 0; at = vcl.indexOf(LINT_WARNING, at + 1)) {
    const { line, pos } = position(vcl, at);
    warnings.push(`Unused identifier 'LINT'\nat: (input Line ${line} Pos ${pos})`);
  }
  return { errors, warnings };
}

/** @type {Route[]} */
export const lintRoutes = [
  {
    method: 'POST',
    pattern: /^\/service\/(?<sid>[^/]+)\/lint$/,
    scope: 'global',
    budget: null,
    handler(ctx) {
      if (!(ctx.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
        return { status: 400, json: { msg: 'Bad request', detail: 'The body must be application/json' } };
      }
      /** @type {unknown} */
      let body;
      try {
        body = JSON.parse(ctx.body);
      } catch {
        return { status: 400, json: { msg: 'Bad request', detail: 'The body is not JSON' } };
      }
      const vcl = typeof body === 'object' && body !== null ? /** @type {{ vcl?: unknown }} */ (body).vcl : undefined;
      if (typeof vcl !== 'string') return { status: 400, json: { msg: 'Bad request', detail: 'The body must be {"vcl": "<source>"}' } };
      const { errors, warnings } = findings(vcl);
      const status = errors.length > 0 ? 'error' : 'ok';
      const messages = [...errors.map((message) => ({ type: 'error', warning: false, message, tokens: [] })),
        ...warnings.map((message) => ({ type: 'warning', warning: true, message, tokens: [] }))];
      const attributes = { status, msg: errors[0] ?? '', errors, warnings, messages };
      const shape = ctx.state.shapes.lint;
      if (shape === 400 && errors.length > 0) return { status: 400, json: attributes };
      if (shape === 'bare') return { status: 200, json: attributes };
      return { status: 200, json: { data: { id: 'lint', type: 'vcl_lint', attributes } } };
    },
  },
];
