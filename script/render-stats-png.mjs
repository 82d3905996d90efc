#!/usr/bin/env node
// @ts-check
/**
 * Renders the stats scenario's job summary from `npm run demo`
 * (demo/out/summary.md, section i) the way GitHub shows it, into
 * docs/stats-summary.png: the whole page, never cut at a window's height.
 *
 * Needs Debian's `chromium` and `fonts-noto-color-emoji` (for ❌, ⚠️), and the
 * browser builds of marked and mermaid, which the project does not depend on:
 *   npm pack marked@16 mermaid@11 --pack-destination /tmp/render  (then untar them)
 *   node script/render-stats-png.mjs /tmp/render/marked/package/lib/marked.umd.js /tmp/render/mermaid/package/dist/mermaid.min.js
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WIDTH = 1000;

const [markedJs, mermaidJs] = process.argv.slice(2);
if (!markedJs || !mermaidJs) {
  console.error('usage: node script/render-stats-png.mjs MARKED_UMD_JS MERMAID_MIN_JS');
  process.exit(2);
}

const summary = readFileSync(join(ROOT, 'demo/out/summary.md'), 'utf8');
const section = summary.split('\n---\n').find((part) => part.trimStart().startsWith('## i. stats'));
if (!section) throw new Error('demo/out/summary.md has no "## i. stats" section: run npm run demo first.');
const body = section.replace(/^\s*## .*\n/, '').replace(/^<p><sub>with:.*<\/sub><\/p>\n/m, '');

const dir = mkdtempSync(join(tmpdir(), 'fastly-render-'));
const page = join(dir, 'summary.html');
writeFileSync(page, `<!doctype html><meta charset="utf-8">
<style>
  body { margin: 0; padding: 16px 24px; width: ${WIDTH - 48}px; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji"; color: #1f2328; background: #fff; }
  h3 { font-size: 1.25em; margin: 0 0 12px; } h4 { font-size: 1em; margin: 20px 0 8px; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
  th { background: #f6f8fa; } tr:nth-child(2n) td { background: #f6f8fa; }
  code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: rgba(129,139,152,.12); padding: .1em .3em; border-radius: 4px; }
  .mermaid { margin: 8px 0; }
</style>
<div id="out"></div>
<script src="${pathToFileURL(markedJs)}"></script>
<script src="${pathToFileURL(mermaidJs)}"></script>
<script>
  const out = document.getElementById('out');
  const renderer = new marked.Renderer();
  renderer.code = ({ text, lang }) => lang === 'mermaid' ? '<pre class="mermaid">' + text.replace(/</g, '&lt;') + '</pre>' : '<pre>' + text.replace(/</g, '&lt;') + '</pre>';
  out.innerHTML = marked.parse(${JSON.stringify(body)}, { renderer });
  mermaid.initialize({ startOnLoad: false, theme: 'default', xyChart: { width: ${WIDTH - 60}, height: 360 } });
  mermaid.run().then(() => { document.title = 'rendered'; }, (e) => { document.title = 'failed: ' + e; });
</script>`);

const browser = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'profile')}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
try {
  const endpoint = await new Promise((found, failed) => {
    let seen = '';
    browser.stderr.setEncoding('utf8').on('data', (chunk) => {
      seen += chunk;
      const match = /DevTools listening on (ws:\S+)/.exec(seen);
      if (match) found(match[1]);
    });
    browser.once('exit', () => failed(new Error(`chromium exited: ${seen}`)));
  });
  const list = await fetch(String(endpoint).replace(/^ws/, 'http').replace(/\/devtools\/browser\/.*/, '/json/list'));
  const targets = /** @type {Array<{ type: string, webSocketDebuggerUrl: string }>} */ (await list.json());
  const target = targets.find((t) => t.type === 'page');
  if (!target) throw new Error('chromium opened no page');
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((open) => socket.addEventListener('open', open, { once: true }));
  let next = 0;
  /** @type {Map<number, (result: any) => void>} */
  const waiting = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    waiting.get(message.id)?.(message.result);
  });
  /** @param {string} method @param {object} [params] @returns {Promise<any>} */
  const send = (method, params = {}) => new Promise((answer) => {
    next += 1;
    waiting.set(next, answer);
    socket.send(JSON.stringify({ id: next, method, params }));
  });

  await send('Emulation.setDeviceMetricsOverride', { width: WIDTH, height: 800, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url: pathToFileURL(page).href });
  let title = '';
  for (let i = 0; i < 100 && !title; i += 1) {
    await new Promise((tick) => setTimeout(tick, 100));
    const { result } = await send('Runtime.evaluate', { expression: 'document.title' });
    title = result.value;
  }
  if (title !== 'rendered') throw new Error(`the page did not render: ${title || 'timed out'}`);
  const { result } = await send('Runtime.evaluate', { expression: 'Math.ceil(document.documentElement.scrollHeight)' });
  const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: WIDTH, height: result.value, scale: 1 } });
  writeFileSync(join(ROOT, 'docs/stats-summary.png'), Buffer.from(data, 'base64'));
  console.log(`docs/stats-summary.png: ${WIDTH} × ${result.value}`);
  socket.close();
} finally {
  browser.kill();
  await new Promise((exited) => (browser.exitCode === null ? browser.once('exit', exited) : exited(undefined)));
  rmSync(dir, { recursive: true, force: true });
}
