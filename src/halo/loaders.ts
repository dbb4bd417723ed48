import DataLoader from 'dataloader';
import type { HaloClient, HaloResourceName, HaloResourceTypes } from './client';
import type { HaloTicket } from './types';

/**
 * By-id loads for one GraphQL request (create a fresh set per request: DataLoader caches for its lifetime).
 * Tickets and opportunities batch into one `GET /api/Tickets?ticketids=1,2,3` (spec param `ticketids`); resources
 * without a multi-id filter fan out to `GET /api/<X>/{id}` with bounded concurrency, so one resolver pass never
 * fires dozens of parallel requests into Halo's rate budget. Missing records load as null.
 */
export interface HaloLoaders {
  tickets: DataLoader<number, HaloTicket | null>;
  opportunities: DataLoader<number, HaloTicket | null>;
  clients: DataLoader<number, HaloResourceTypes['clients'] | null>;
  sites: DataLoader<number, HaloResourceTypes['sites'] | null>;
  users: DataLoader<number, HaloResourceTypes['users'] | null>;
  items: DataLoader<number, HaloResourceTypes['items'] | null>;
  /** Quotations with their lines (`includedetails=true`). */
  quotations: DataLoader<number, HaloResourceTypes['quotations'] | null>;
  salesOrders: DataLoader<number, HaloResourceTypes['salesOrders'] | null>;
  agents: DataLoader<number, HaloResourceTypes['agents'] | null>;
}

export interface HaloLoaderOptions {
  /** Parallel by-id GETs across all loaders of this set (default 4). */
  concurrency?: number;
  /** Ids per `ticketids` call (default 100 = Halo's ticket page cap, so one call is one page). */
  maxTicketBatch?: number;
}

/** A FIFO semaphore. */
export function limitConcurrency(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (active >= n) return;
    const run = queue.shift();
    if (run) {
      active++;
      run();
    }
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}

export function createHaloLoaders(client: HaloClient, opts: HaloLoaderOptions = {}): HaloLoaders {
  const limit = limitConcurrency(Math.max(1, opts.concurrency ?? 4));
  const maxTicketBatch = Math.max(1, Math.min(opts.maxTicketBatch ?? 100, 100));

  const byTicketIds = (resource: 'tickets' | 'opportunities') =>
    new DataLoader<number, HaloTicket | null>(
      async (ids) => {
        const rows = await limit(() => client.listAll(resource, { ticketids: [...ids] }, { pageSize: Math.min(100, ids.length) }));
        const byId = new Map<number, HaloTicket>();
        for (const r of rows) byId.set(Number(r.id), r);
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: maxTicketBatch },
    );

  const byId = <R extends HaloResourceName>(resource: R, includedetails = false) =>
    new DataLoader<number, HaloResourceTypes[R] | null>(async (ids) =>
      Promise.all(
        ids.map((id) =>
          limit(() => client.getById(resource, id, { includedetails })).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        ),
      ),
    );

  return {
    tickets: byTicketIds('tickets'),
    opportunities: byTicketIds('opportunities'),
    clients: byId('clients'),
    sites: byId('sites'),
    users: byId('users'),
    items: byId('items'),
    quotations: byId('quotations', true),
    salesOrders: byId('salesOrders', true),
    agents: byId('agents'),
  };
}
