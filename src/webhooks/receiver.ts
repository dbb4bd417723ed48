import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { HaloWebhookPayloadError, parseHaloWebhookBody, verifyHaloWebhook, type HaloEventClass, type HaloWebhookEventIn, type KnownNotification } from '../halo';
import type { SecretBox } from '../crypto/secret-box';
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
}

/**
 * `POST /webhooks/halo/<pathKey>`: authenticate on the raw body (timing-safe), store every event in Postgres, and
 * only then answer 202. Nothing is processed here. Anything unauthenticated gets 401 and leaves no trace.
 */
export class WebhookReceiver {
  private readonly keys = new Map<string, TenantKey>();

  constructor(private readonly deps: ReceiverDeps) {}

  forget(pathKey: string): void {
    this.keys.delete(pathKey);
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: { requestId: string; body: () => Promise<Buffer> }): Promise<void> {
    const pathKey = decodeURIComponent((req.url ?? '').split('?')[0].slice(WEBHOOK_PATH_PREFIX.length)).replace(/\/+$/, '');
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
    await this.learn(tenant, events);
    const stored = await this.store(tenant.tenantId, events, text);
    sendJson(res, 202, { accepted: stored.length, duplicates: stored.filter((s) => s.status === 'DUPLICATE').length });
    if (stored.some((s) => s.status === 'RECEIVED')) this.deps.onStored(tenant.tenantId);
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
   * One statement for the whole delivery. A Halo delivery id seen before makes the row a DUPLICATE (kept, so the
   * listing shows it); an event we cannot recognise (by its name, payload key or notification) is kept as IGNORED.
   * The rest wait as RECEIVED.
   */
  private async store(tenantId: string, events: HaloWebhookEventIn[], raw: string): Promise<{ id: string; status: string }[]> {
    const parts = events.length > 1 ? (JSON.parse(raw) as unknown[]) : null;
    const rows = events.map((e, i) => ({
      did: e.deliveryId,
      wid: e.webhookId,
      event: e.event,
      eventno: e.eventno,
      entity: e.class ? ENTITY_OF_RESOURCE[e.class.resource] : null,
      action: e.class?.action ?? null,
      oid: e.objectId,
      at: e.at?.toISOString() ?? null,
      body: parts ? JSON.stringify(parts[i]) : raw,
    }));
    return this.deps.orm.em.getConnection().execute<{ id: string; status: string }[]>(
      `insert into webhook_delivery (id, tenant_id, halo_delivery_id, halo_webhook_id, event, eventno, entity, action, halo_object_id, event_at,
                                     status, processed_at, duplicate_of, error, body)
       select gen_random_uuid(), ?::uuid, v.did, v.wid, v.event, v.eventno, v.entity, v.action, v.oid, v.at,
              case when v.entity is null then 'IGNORED' when d.id is not null then 'DUPLICATE' else 'RECEIVED' end,
              case when v.entity is null or d.id is not null then now() end,
              d.id,
              case when v.entity is null then 'not recognised as a company, site, contact, item or opportunity event (by name, payload key or notification)' when d.id is not null then 'Halo delivered this event before' end,
              v.body
         from jsonb_to_recordset(?::jsonb) as v(did text, wid text, event text, eventno int, entity text, action text, oid int, at timestamptz, body text)
         left join lateral (
           select w.id from webhook_delivery w
            where w.tenant_id = ?::uuid and v.did is not null and w.halo_delivery_id = v.did
            order by w.received_at limit 1
         ) d on true
       returning id, status`,
      [tenantId, JSON.stringify(rows), tenantId],
    );
  }
}
