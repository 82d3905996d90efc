// @ts-check
// The floor for the memory row: the same URL purges as the action sends, on
// node:http with keep-alive and nothing else. Usage: node bare-http-loop.mjs <api-url> <count> <concurrency> [urls-file]
// With a urls file it first reads, checks and holds that list as the action does (every URL parsed, duplicates
// dropped, all before the first request), then purges those URLs: what holding the list alone costs.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [apiUrl = '', count = '0', concurrency = '16', urlsFile] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true });
const held = urlsFile === undefined ? undefined : readHeld(urlsFile);
const total = held?.length ?? Number(count);
let next = 0;

/** @param {string} file */
function readHeld(file) {
  const list = new Set();
  for (const [entry] of readFileSync(file, 'utf8').matchAll(/[^\s,]+/g)) list.add(new URL(entry).href);
  return [...list];
}

/** @param {number} i */
function pathOf(i) {
  const url = held?.[i];
  return url === undefined ? `/purge/www.example.com/p/${i}` : `/purge/${url.slice(url.indexOf('//') + 2)}`;
}

/** @param {number} i @returns {Promise<string>} */
function purge(i) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${apiUrl}${pathOf(i)}`, { method: 'POST', agent, headers: { 'Fastly-Key': process.env.FASTLY_KEY, Accept: 'application/json' } }, response => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', chunk => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
    request.end();
  });
}

async function worker() {
  while (next < total) await purge(next++);
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
agent.destroy();
