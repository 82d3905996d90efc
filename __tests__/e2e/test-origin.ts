import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';

/** A site behind Fastly for the health check and wait-for-url: what it answers is up to each test. */
export interface TestOrigin {
  readonly url: string;
  /** Requests seen since the test began. */
  readonly seen: IncomingMessage[];
  /** Answers every request; by default 200 'ok'. */
  answer: (req: IncomingMessage, res: ServerResponse) => void;
}

const ok = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
};

/** One origin per test file, reset to answering 200 before each test. */
export function useTestOrigin(path = '/_health'): TestOrigin {
  let server: Server | undefined;
  const origin = { url: '', seen: [] as IncomingMessage[], answer: ok };
  beforeAll(async () => {
    server = createServer((req, res) => {
      origin.seen.push(req);
      origin.answer(req, res);
    });
    await new Promise<void>(done => server?.listen(0, '127.0.0.1', done));
    origin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  });
  afterAll(() => new Promise<void>(done => {
    server?.closeAllConnections();
    server?.close(() => done());
  }));
  beforeEach(() => {
    origin.seen.length = 0;
    origin.answer = ok;
  });
  return origin;
}

/** Headers at once, then one byte a second for `seconds`, then `last`: never silent long, never done soon. */
export function drip(status: number, seconds: number, last = 'ok') {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    let left = seconds;
    const tick = setInterval(() => {
      if (res.destroyed) clearInterval(tick);
      else if (--left <= 0) {
        clearInterval(tick);
        res.end(last);
      } else res.write(' ');
    }, 1000);
  };
}
