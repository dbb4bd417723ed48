import { IncomingHttpHeaders, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { HaloSim, HaloSimOptions, startHaloSim } from '../../src/halo-sim';

export interface Reply<T = unknown> {
  status: number;
  text: string;
  json: T;
  headers: Headers;
}

async function reply<T>(res: Response): Promise<Reply<T>> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as T, headers: res.headers };
}

export function tokenRequest(sim: HaloSim, fields: Record<string, string>, query = `?tenant=${sim.tenant}`): Promise<Reply<Record<string, unknown>>> {
  return fetch(`${sim.url}/auth/token${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  }).then((r) => reply<Record<string, unknown>>(r));
}

export async function tokenFor(sim: HaloSim, clientId = sim.clientId, clientSecret = sim.clientSecret): Promise<string> {
  const r = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

/** A started simulator plus a token for its default app, and a small typed caller. */
export interface SimFixture {
  sim: HaloSim;
  token: string;
  get<T = any>(path: string, token?: string): Promise<Reply<T>>;
  post<T = any>(path: string, body: unknown, token?: string): Promise<Reply<T>>;
  del<T = any>(path: string, token?: string): Promise<Reply<T>>;
  stop(): Promise<void>;
}

export async function simFixture(opts: HaloSimOptions = {}): Promise<SimFixture> {
  const sim = await startHaloSim({ rateLimit: false, ...opts });
  const token = await tokenFor(sim);
  const call = (method: string) => <T>(path: string, body?: unknown, tok: string = token) =>
    fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    }).then((r) => reply<T>(r));
  return {
    sim,
    token,
    get: (path, tok) => call('GET')(path, undefined, tok),
    post: (path, body, tok) => call('POST')(path, body, tok),
    del: (path, tok) => call('DELETE')(path, undefined, tok),
    stop: () => sim.stop(),
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on a random port that records every POST. */
export async function webhookReceiver(status = 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/halo/hook`,
    received,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
