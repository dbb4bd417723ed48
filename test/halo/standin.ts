/**
 * A few-line stand-in for Halo over real HTTP, for quirks the simulator does not play (odd error body shapes,
 * bare-array lists that ignore paging). It is a stand-in for Halo, not a mock of our own modules: the client under
 * test goes through its real fetch, auth and retry code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface StandIn {
  url: string;
  /** Responses for /api/* requests other than authinfo, consumed in order; the last one repeats. */
  queue: CannedResponse[];
  /** Or compute one per request. */
  handler?: (req: IncomingMessage, url: URL) => CannedResponse | undefined;
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

export async function startStandIn(opts: { secret?: string; token?: string } = {}): Promise<StandIn> {
  const token = opts.token ?? 'standin-token-0123456789';
  const state: StandIn = { url: '', queue: [], requests: [], close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (r: CannedResponse) => {
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body ?? '');
      };
      if (url.pathname.toLowerCase() === '/api/authinfo') return send({ status: 200, body: JSON.stringify({ auth_url: `${state.url}/auth` }) });
      if (url.pathname === '/auth/token') {
        const form = new URLSearchParams(body);
        if (opts.secret && form.get('client_secret') !== opts.secret) {
          return send({ status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: 'The specified client credentials are invalid.' }) });
        }
        return send({ status: 200, body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }) });
      }
      if (req.headers.authorization !== `Bearer ${token}`) return send({ status: 401, body: '' });
      const custom = state.handler?.(req, url);
      if (custom) return send(custom);
      const next = state.queue.length > 1 ? state.queue.shift()! : state.queue[0];
      send(next ?? { status: 404, body: '' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}
