// @ts-check
/** GitHub's error body: message, documentation link, status as a string. */

/** @param {number} status @param {string} message @returns {import('./server.mjs').Answer} */
export const fail = (status, message) => ({
  status, json: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
});
