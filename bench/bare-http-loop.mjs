// @ts-check
// The floor for the memory row: the same URL purges as the action sends, on
// node:http with keep-alive and nothing else. Usage: node bare-http-loop.mjs <api-url> <count> <concurrency>
import http from 'node:http';

const [apiUrl = '', count = '0', concurrency = '16'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true });
let next = 0;

/** @param {number} i @returns {Promise<string>} */
function purge(i) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${apiUrl}/purge/www.example.com/p/${i}`, { method: 'POST', agent, headers: { 'Fastly-Key': process.env.FASTLY_KEY, Accept: 'application/json' } }, response => {
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
  while (next < Number(count)) await purge(next++);
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
agent.destroy();
