import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../log';
import type { GraphQLContext } from '../graphql/context';
import { createLoaders } from '../graphql/loaders';
import { authenticateApiKey } from '../tenants/tenants';
import type { Services } from '../graphql/context';

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Answer without reading the rest of the body, and close the connection. */
    readonly close = false,
  ) {
    super(message);
  }
}

/** A route beside /graphql (webhooks, health): it owns its response completely. */
export interface Route {
  method: string;
  /** Exact path, or a prefix when it ends with `/`. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, ctx: { requestId: string; body: () => Promise<Buffer> }): Promise<void>;
}

export interface HttpServerDeps {
  apollo: ApolloServer<GraphQLContext>;
  orm: MikroORM;
  log: Logger;
  routes: Route[];
  services: Services;
  /** False in processes without the api role: /graphql answers 404 there. */
  serveGraphQL?: boolean;
  /** The GraphiQL page, or undefined when GraphiQL is off. */
  graphiql?: () => string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * An answer given without reading the request's body. Node would then read the whole body off the wire (and discard
 * it) to keep the connection alive: 50 MB for a caller without a key. `Connection: close` makes it close the
 * connection once the answer is written instead.
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  sendJson(res, status, body, hasBody && !req.complete ? { ...headers, connection: 'close' } : headers);
}

function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      // Answered by the caller's catch with `refuseUnread` (HttpError.close): nothing of the body is read.
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const bearer = (req: IncomingMessage): string | undefined => {
  const header = req.headers.authorization;
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
};

function wantsHtml(req: IncomingMessage, url: URL): boolean {
  return req.method === 'GET' && !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html');
}

function unauthorized(req: IncomingMessage, res: ServerResponse, message: string): void {
  refuseUnread(req, res, 401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
}

export function createHttpServer(deps: HttpServerDeps): http.Server {
  let graphiqlHtml: string | undefined;

  async function graphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    if (deps.graphiql && wantsHtml(req, url)) {
      graphiqlHtml ??= deps.graphiql();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(graphiqlHtml);
      return;
    }
    // Authenticate before reading the body: an unauthenticated caller costs us no parsing and runs nothing.
    const key = bearer(req);
    if (!key) return unauthorized(req, res, 'Missing API key: send "Authorization: Bearer <key>"');
    const em = deps.orm.em.fork();
    const auth = await authenticateApiKey(em, key);
    if (!auth) return unauthorized(req, res, 'Invalid API key');

    const raw = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = raw.toString('utf8');
    if ((req.headers['content-type'] ?? '').includes('application/json') && raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      }
    }
    // A caller who hangs up stops the Halo work done on its behalf (resolvers pass ctx.signal on).
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new Error('the caller closed the connection'));
    });
    const result = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => ({
        requestId,
        tenantId: auth.tenantId,
        apiKeyId: auth.apiKeyId,
        em,
        loaders: createLoaders(em, auth.tenantId),
        services: deps.services,
        signal: gone.signal,
      }),
    });
    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');

    const handle = async (): Promise<void> => {
      if (url.pathname === '/graphql' && deps.serveGraphQL !== false) return graphql(req, res, url, requestId);
      const route = deps.routes.find(
        (r) => r.method === req.method && (r.path.endsWith('/') ? url.pathname.startsWith(r.path) : url.pathname === r.path),
      );
      if (route) return route.handle(req, res, { requestId, body: () => readBody(req) });
      sendJson(res, 404, { error: 'not_found', message: `No route for ${req.method} ${url.pathname}` });
    };

    handle()
      .catch((err: unknown) => {
        if (err instanceof HttpError) {
          if (res.headersSent) return;
          if (err.close) refuseUnread(req, res, err.status, { error: err.code, message: err.message });
          else sendJson(res, err.status, { error: err.code, message: err.message });
          return;
        }
        deps.log.error({ err, requestId, path: url.pathname }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'Internal error', requestId });
        else res.destroy();
      })
      .finally(() => {
        deps.log.debug(
          { requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
          'request',
        );
      });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
