import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { haloWebhookSignature } from '../../src/halo';

/** Our record id for a Halo id (tests look records up through GraphQL by our id). */
export async function ourId(orm: MikroORM, table: string, tenantId: string, haloId: number): Promise<string | null> {
  const rows = await orm.em.getConnection().execute<{ id: string }[]>(`select id from "${table}" where tenant_id = ? and halo_id = ?`, [tenantId, haloId]);
  return rows[0]?.id ?? null;
}

export async function deliveryCount(orm: MikroORM, tenantId: string): Promise<number> {
  const [{ n }] = await orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from webhook_delivery where tenant_id = ?', [tenantId]);
  return Number(n);
}

/** The path key Halo posts to (from our stored config). */
export async function webhookPath(orm: MikroORM, tenantId: string): Promise<{ pathKey: string }> {
  const rows = await orm.em.getConnection().execute<{ path_key: string }[]>('select path_key from halo_webhook_config where tenant_id = ?', [tenantId]);
  return { pathKey: rows[0].path_key };
}

/**
 * A delivery shaped like Halo's (HALO-API.md §4.2), for a record and event of our choice. Its notification_id is
 * a fresh one unless given: a delivery names the notification it came through, and we recognise it by that.
 */
export function haloPayload(input: { event: string; objectId: number; at?: Date; id?: string; entityKey?: string; record?: Record<string, unknown>; notificationId?: number }): string {
  return JSON.stringify({
    id: input.id ?? randomUUID(),
    webhook_id: randomUUID(),
    notification_id: input.notificationId ?? 1_000_000 + Math.floor(Math.random() * 1_000_000),
    escmsg_id: randomUUID(),
    event: input.event,
    message: `${input.event} ${input.objectId}`,
    object_id: input.objectId,
    agent_id: 2,
    timestamp: (input.at ?? new Date()).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'),
    ...(input.entityKey ? { [input.entityKey]: input.record ?? { id: input.objectId } } : {}),
  });
}

export function signed(secret: string, body: string): Record<string, string> {
  return { 'content-type': 'application/json', token: haloWebhookSignature(secret, body) };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5_000, everyMs = 25): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return { value: value as T, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** What the simulated Halo calls an event (its catalogue is the oracle; the product never sees it). */
export function truthEvent(sim: { truth: { events: { eventno: number; name: string; table: string; trigger: string }[] } }, table: string, trigger: string) {
  const e = sim.truth.events.find((x) => x.table === table && x.trigger === trigger);
  if (!e) throw new Error(`the simulator has no ${table} ${trigger} event`);
  return e;
}

/** The non-ticket event numbers the simulator draws from its seed: the product may hold one only when told it. */
export const nonTicketEventNumbers = (sim: { truth: { events: { eventno: number; table: string }[] } }) =>
  new Set(sim.truth.events.filter((e) => e.table !== 'tickets').map((e) => e.eventno));

type CoverageLike = { entity: string; action: string; state: string };
/** `{ 'contacts:updated': 'MISSING', … }` from a haloWebhooks report. */
export const coverageMap = (rows: readonly CoverageLike[]) => Object.fromEntries(rows.map((r) => [`${r.entity.toLowerCase()}:${r.action.toLowerCase()}`, r.state]));
