import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { HaloWebhookPayloadError, parseHaloWebhookBody, verifyHaloWebhook, type HaloEventClass, type HaloWebhookEventIn, type KnownNotification } from '../halo';
import type { SecretBox } from '../crypto/secret-box';
import { classifyDbError } from '../db/errors';
import { sendJson } from '../http/server';
import type { Logger } from '../log';
import { ENTITY_OF_RESOURCE, PATH_KEY_PATTERN, WEBHOOK_PATH_PREFIX } from './spec';

interface TenantKey {
  tenantId: string;
  secret: string;
  /** What we know of the notifications on the tenant's webhook (halo_webhook_subscription), by notification id. */
  notifications: Map<number, KnownNotification>;
  at: number;
}

const CACHE_MS = 30_000;
const secretContext = (tenantId: string) => `halo-webhook:${tenantId}`;

export interface ReceiverDeps {
  orm: MikroORM;
  box: SecretBox;
  log: Logger;
  /** Told after deliveries are committed: processing happens elsewhere, later. */
  onStored(tenantId: string): void;
  /**
   * The replay window (`WEBHOOK_MAX_AGE_SECONDS`, `WEBHOOK_MAX_FUTURE_SECONDS`): a new delivery whose event time is
   * older than `maxAgeMs` or more than `maxFutureMs` ahead of our clock is refused and not stored.
   */
  window: { maxAgeMs: number; maxFutureMs: number };
}

/** Postgres text holds neither NUL nor a lone surrogate; a delivery's strings lose them rather than fail the insert. */
const pgText = (s: string | null): string | null =>
  s === null ? null : s.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const span = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/**
 * `POST /webhooks/halo/<pathKey>`: authenticate on the raw body (timing-safe), store every event in Postgres, and
 * only then answer 202. Nothing is processed here. Anything unauthenticated gets 401 and leaves no trace.
 *
 * Replays: a Halo delivery id already stored is an exact replay (Halo re-sending, or anyone re-posting a captured
 * delivery): nothing new is stored, it is counted, and the answer is 2xx so Halo does not retry it again and again.
 * A new delivery whose event time lies outside the replay window is refused (400), not stored, and counted. The
 * window must stay shorter than the time deliveries are kept, so every replay inside it is recognised by its id.
 */
export class WebhookReceiver {
  private readonly keys = new Map<string, TenantKey>();

  constructor(private readonly deps: ReceiverDeps) {}

  forget(pathKey: string): void {
    this.keys.delete(pathKey);
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: { requestId: string; body: () => Promise<Buffer> }): Promise<void> {
    // Taken as sent, never decoded: a path key is [A-Za-z0-9_-], so an escape (malformed or not) is simply not ours.
    const pathKey = (req.url ?? '').split('?')[0].slice(WEBHOOK_PATH_PREFIX.length).replace(/\/+$/, '');
    // Reject before reading a byte of body when the request cannot possibly be ours.
    const hasAuth = typeof req.headers.token === 'string' || typeof req.headers.authorization === 'string';
    const tenant = PATH_KEY_PATTERN.test(pathKey) && hasAuth ? await this.tenantFor(pathKey) : null;
    if (!tenant) return this.unauthorized(req, res);
    const contentType = req.headers['content-type'];
    if (contentType && !/json/i.test(contentType)) {
      req.resume();
      return sendJson(res, 415, { error: 'unsupported_media_type', message: 'Halo webhooks are JSON: send Content-Type: application/json.' });
    }
    const raw = await ctx.body();
    if (!verifyHaloWebhook(req.headers, raw, tenant.secret)) return this.unauthorized(req, res);

    let events: HaloWebhookEventIn[];
    const text = raw.toString('utf8');
    try {
      events = parseHaloWebhookBody(text, tenant.notifications);
    } catch (err) {
      if (err instanceof HaloWebhookPayloadError) return sendJson(res, 400, { error: 'bad_payload', message: err.message });
      throw err;
    }
    const parts = events.length > 1 ? (JSON.parse(text) as unknown[]) : null;
    const indexed = events.map((e, i) => ({ e: { ...e, deliveryId: pgText(e.deliveryId) }, i, body: parts ? JSON.stringify(parts[i]) : text }));

    try {
      // An id twice in this body is stored once; an id already stored stores nothing (the insert's unique key).
      const seen = new Set<string>();
      const unique = indexed.filter(({ e }) => e.deliveryId === null || (!seen.has(e.deliveryId) && !!seen.add(e.deliveryId)));
      // Outside the replay window: refused, unless we hold it already (then it is an exact replay, answered 2xx).
      // Only then is the database asked which ids it holds: the common delivery costs one statement.
      const late = unique.filter(({ e }) => this.outsideWindow(e) !== null);
      if (late.length) {
        const known = await this.knownIds(tenant.tenantId, [...seen]);
        const isNew = ({ e }: (typeof unique)[number]) => e.deliveryId === null || !known.has(e.deliveryId);
        const refused = late.find(isNew);
        if (refused) {
          const reason = `${parts ? `event [${refused.i}]` : 'the event'} ${this.outsideWindow(refused.e)!}`;
          await this.count(tenant.tenantId, { refused: unique.filter(isNew).length, reason });
          this.deps.log.info({ tenantId: tenant.tenantId, requestId: ctx.requestId, reason }, 'refused a webhook delivery outside the replay window');
          return sendJson(res, 400, { error: 'outside_replay_window', message: reason });
        }
      }
      await this.learn(tenant, unique.map((u) => u.e));
      const stored = await this.store(tenant.tenantId, unique);
      const replays = events.length - stored.length;
      if (replays) await this.count(tenant.tenantId, { replays });
      // Nothing stored: every event was a replay (one racing this request stored it first).
      sendJson(res, stored.length ? 202 : 200, { accepted: stored.length, replays });
      if (stored.some((s) => s.status === 'RECEIVED')) this.deps.onStored(tenant.tenantId);
    } catch (err) {
      // Never the body, the statement or a stack in the log: the classified error, where it happened, and no more.
      const db = classifyDbError(err, 'The delivery could not be stored');
      if (!db) throw err;
      this.deps.log.warn({ tenantId: tenant.tenantId, requestId: ctx.requestId, err: db.log }, 'could not store a webhook delivery');
      // Our database being unavailable is worth Halo's retry; a delivery it refuses is not.
      if (db.transient) return sendJson(res, 503, { error: 'unavailable', message: db.message }, { 'retry-after': '30' });
      return sendJson(res, 400, { error: 'bad_payload', message: db.message });
    }
  }

  /**
   * Why an event would be refused as a possible replay, or null: raised longer ago than the window allows, or
   * ahead of our clock by more than it allows. An event without a time cannot be judged and passes (a replay of it
   * is still recognised by its delivery id).
   */
  private outsideWindow(e: HaloWebhookEventIn): string | null {
    if (!e.at) return null;
    const now = Date.now();
    const { maxAgeMs, maxFutureMs } = this.deps.window;
    if (e.at.getTime() < now - maxAgeMs) return `was raised at ${e.at.toISOString()}, more than ${span(maxAgeMs)} ago: refused as a possible replay (WEBHOOK_MAX_AGE_SECONDS)`;
    if (e.at.getTime() > now + maxFutureMs) return `was raised at ${e.at.toISOString()}, more than ${span(maxFutureMs)} ahead of our clock: refused (WEBHOOK_MAX_FUTURE_SECONDS)`;
    return null;
  }

  private async knownIds(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.deps.orm.em
      .getConnection()
      .execute<{ id: string }[]>('select halo_delivery_id as id from webhook_delivery where tenant_id = ? and halo_delivery_id = any(array[?]::text[])', [tenantId, ids]);
    return new Set(rows.map((r) => r.id));
  }

  /** Counts replays and refusals per tenant (shown in `haloWebhooks.receipt`). */
  private async count(tenantId: string, what: { replays?: number; refused?: number; reason?: string }): Promise<void> {
    await this.deps.orm.em.getConnection().execute(
      `update halo_webhook_config
          set replayed_deliveries = replayed_deliveries + ?, refused_deliveries = refused_deliveries + ?,
              last_refused_at = case when ? > 0 then now() else last_refused_at end, last_refusal = coalesce(?, last_refusal)
        where tenant_id = ?`,
      [what.replays ?? 0, what.refused ?? 0, what.refused ?? 0, what.reason ?? null, tenantId],
    );
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    sendJson(res, 401, { error: 'unauthorized', message: 'Unknown webhook path or bad signature.' }, { connection: 'close' });
  }

  private async tenantFor(pathKey: string): Promise<TenantKey | null> {
    const hit = this.keys.get(pathKey);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit;
    const rows = await this.deps.orm.em
      .getConnection()
      .execute<{ tenant_id: string; secret_key_id: string; secret_sealed: string }[]>(
        'select tenant_id, secret_key_id, secret_sealed from halo_webhook_config where path_key = ?',
        [pathKey],
      );
    if (!rows.length) return null;
    const r = rows[0];
    const secret = this.deps.box.open({ keyId: r.secret_key_id, sealed: r.secret_sealed }, secretContext(r.tenant_id));
    const subs = await this.deps.orm.em
      .getConnection()
      .execute<{ notification_id: number; eventno: number | null; resource: string | null; action: string | null }[]>(
        'select notification_id, eventno, resource, action from halo_webhook_subscription where tenant_id = ?',
        [r.tenant_id],
      );
    const notifications = new Map<number, KnownNotification>(
      subs.map((n) => [Number(n.notification_id), { eventno: n.eventno, class: n.resource && n.action ? ({ resource: n.resource, action: n.action } as HaloEventClass) : null }]),
    );
    const key = { tenantId: r.tenant_id, secret, notifications, at: Date.now() };
    this.keys.set(pathKey, key);
    return key;
  }

  /**
   * Adopts what an admin ticked for our webhook in Halo: the first delivery recognised by its own name or payload
   * key through a notification we do not know (or could not recognise by its name) teaches us what that
   * notification is, so later deliveries through it are recognised even without a telling name or key.
   */
  private async learn(tenant: TenantKey, events: HaloWebhookEventIn[]): Promise<void> {
    const fresh = new Map<number, HaloWebhookEventIn>();
    for (const e of events) {
      if (e.classifiedBy !== 'payload' || e.notificationId === null || tenant.notifications.get(e.notificationId)?.class) continue;
      // Halo's notification ids are ints; anything else is not worth remembering (nor worth failing a delivery for).
      if (e.notificationId < 1 || e.notificationId > 2_147_483_647) continue;
      if (!fresh.has(e.notificationId)) fresh.set(e.notificationId, e);
    }
    if (!fresh.size) return;
    const rows = [...fresh.values()].map((e) => ({ id: e.notificationId, resource: e.class!.resource, action: e.class!.action, at: e.at?.toISOString() ?? null }));
    await this.deps.orm.em.getConnection().execute(
      `insert into halo_webhook_subscription (tenant_id, notification_id, name, resource, action, classified_by, first_delivery_at, updated_at)
       select ?::uuid, v.id, '', v.resource, v.action, 'DELIVERY', coalesce(v.at, now()), now()
         from jsonb_to_recordset(?::jsonb) as v(id int, resource text, action text, at timestamptz)
       on conflict (tenant_id, notification_id) do update
          set resource = excluded.resource, action = excluded.action, classified_by = 'DELIVERY',
              first_delivery_at = coalesce(halo_webhook_subscription.first_delivery_at, excluded.first_delivery_at), updated_at = now()
        where halo_webhook_subscription.resource is null`,
      [tenant.tenantId, JSON.stringify(rows)],
    );
    for (const e of fresh.values()) {
      tenant.notifications.set(e.notificationId!, { eventno: tenant.notifications.get(e.notificationId!)?.eventno ?? null, class: e.class });
    }
    this.deps.log.info({ tenantId: tenant.tenantId, notifications: rows.map((r) => `${r.id}: ${r.resource} ${r.action}`) }, 'adopted Halo webhook subscriptions from their first delivery');
  }

  /**
   * One statement for the events of a delivery. An event whose Halo delivery id is already stored (a replay, also
   * one racing this request) stores nothing: the unique (tenant, Halo delivery id). An event we cannot recognise
   * (by its name, payload key or notification) is kept as IGNORED. The rest wait as RECEIVED.
   */
  private async store(tenantId: string, events: { e: HaloWebhookEventIn; body: string }[]): Promise<{ id: string; status: string }[]> {
    const rows = events.map(({ e, body }) => ({
      did: e.deliveryId,
      wid: pgText(e.webhookId),
      event: pgText(e.event),
      eventno: e.eventno,
      entity: e.class ? ENTITY_OF_RESOURCE[e.class.resource] : null,
      action: e.class?.action ?? null,
      oid: e.objectId,
      at: e.at?.toISOString() ?? null,
      body,
    }));
    return this.deps.orm.em.getConnection().execute<{ id: string; status: string }[]>(
      `insert into webhook_delivery (id, tenant_id, halo_delivery_id, halo_webhook_id, event, eventno, entity, action, halo_object_id, event_at,
                                     status, processed_at, error, body)
       select gen_random_uuid(), ?::uuid, v.did, v.wid, v.event, v.eventno, v.entity, v.action, v.oid, v.at,
              case when v.entity is null then 'IGNORED' else 'RECEIVED' end,
              case when v.entity is null then now() end,
              case when v.entity is null then 'not recognised as a company, site, contact, item or opportunity event (by name, payload key or notification)' end,
              v.body
         from jsonb_to_recordset(?::jsonb) as v(did text, wid text, event text, eventno int, entity text, action text, oid int, at timestamptz, body text)
       on conflict (tenant_id, halo_delivery_id) do nothing
       returning id, status`,
      [tenantId, JSON.stringify(rows)],
    );
  }
}
