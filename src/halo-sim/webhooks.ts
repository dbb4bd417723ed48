/**
 * Outbound webhooks as HALO-API.md §4 describes them: a `Webhook` (id is a GUID) receives the events of the
 * `Notification` subscriptions that point at it; each delivery is a JSON POST of the §4.2 envelope, signed
 * per `authentication_type`, and logged as a `WebhookEvent`. Halo documents no retries, so none are made.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { haloDate, webhookTimestamp } from './clock';
import { SimQuirks } from './quirks';
import type { PayloadKind, SimEventDef, SimEventTrigger } from './truth';
import { Change, ChangeKind, HaloState } from './state';
import { TABLES, TableName } from './tables';
import { HaloRecord, toHaloJson } from './wire';

export type WebhookTrigger = SimEventTrigger;
export type WebhookEventDef = SimEventDef;

/*
 * The event catalogue is `state.truth.events` (truth.ts): the ticket events with public evidence (3 New Ticket
 * Logged, 61 Ticket updated, 76 Ticket Status Changed, 1072 Ticket Deleted), then client/site/user/item events
 * whose numbers AND names are drawn from the seed, since no source gives them (HALO-API.md §9). Halo's gaps:
 * there is no item-update event, and a ticket edit fires "Ticket updated" (61) only when the status changes
 * (quirk `ticketUpdateWebhookOnlyOnStatusChange`, default on) — then together with "Ticket Status Changed" (76),
 * so one status change makes two deliveries to a webhook subscribed to both. With the quirk off, 61 fires on
 * every ticket edit and 76 still only on status changes.
 */

/** Key of the entity in the payload (DJPSA reads `data['ticket']`; the others are presumed, §4.2). */
const ENTITY_KEYS: Partial<Record<TableName, string>> = { tickets: 'ticket', clients: 'client', sites: 'site', users: 'user', items: 'item' };

/** Fields of the "small object with key fields only" payload type. */
const KEY_FIELDS: Partial<Record<TableName, string[]>> = {
  tickets: ['id', 'summary', 'status_id', 'tickettype_id', 'client_id', 'site_id', 'user_id', 'team', 'agent_id', 'pipeline_stage_id', 'hasbeenclosed', 'deleted', 'last_update'],
  clients: ['id', 'name', 'inactive', 'website', 'alastupdate'],
  sites: ['id', 'name', 'client_id', 'inactive', 'slastupdate'],
  users: ['id', 'name', 'emailaddress', 'site_id', 'client_id', 'inactive', 'ulastupdate'],
  items: ['id', 'name', 'assetgroup_id', 'lastmodified'],
};

/** `Webhook.payload_type`'s meaning is unknown (HALO-API.md §9): this Halo's is `state.truth.payloadTypes`. */
const payloadKind = (state: HaloState, payloadType: number): PayloadKind => state.truth.payloadTypes[payloadType as 0 | 1 | 2] ?? 'full';
/** `Webhook.authentication_type`: 0 none and 1 Basic are safe; 3 is DJPSA's signed body (HMAC-SHA256, base64). */
export const AUTH_TYPES = { none: 0, basic: 1, hmac: 3 } as const;

export interface WebhookFaultSpec {
  kind: 'drop' | 'duplicate' | 'delay' | 'reorder';
  /** Only deliveries of this event number / to this webhook. */
  match?: { eventno?: number; webhookId?: string };
  /** How many deliveries it affects (default 1). */
  count?: number;
  /** For `delay`. */
  ms?: number;
}

export interface WebhookDelivery {
  /** The payload's `id`: duplicates share it, so receivers can de-duplicate. */
  id: string;
  webhookId: string;
  notificationId: number;
  eventno: number;
  event: string;
  objectId: string | number;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** `dropped` never left Halo; `failed` got no answer or a non-2xx. */
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
  responseStatus?: number;
  error?: string;
  fault?: WebhookFaultSpec['kind'];
  queuedAt: number;
  sentAt?: number;
}

interface ActiveFault extends WebhookFaultSpec {
  remaining: number;
}

export class WebhookDispatcher {
  private readonly deliveries: WebhookDelivery[] = [];
  private faults: ActiveFault[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private held: (() => void) | undefined;
  private heldSend: Promise<void> | undefined;
  /** Deliveries to one webhook go out one after another, so only the faults below reorder them. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly state: HaloState, private readonly quirks: SimQuirks) {
    state.onChange((change) => this.onChange(change));
  }

  log(): WebhookDelivery[] {
    return this.deliveries.map((d) => ({ ...d, headers: { ...d.headers } }));
  }

  setFault(spec: WebhookFaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
    this.releaseHeld();
  }

  /** Resolves when every queued delivery (including delayed ones) has been attempted. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) {
      const others = [...this.inflight].filter((p) => p !== this.heldSend);
      // A delivery held for reordering with nothing left to overtake it goes out last rather than never.
      if (others.length === 0) this.releaseHeld();
      await Promise.allSettled(others.length ? others : [...this.inflight]);
    }
  }

  stop(): void {
    this.stopped = true;
    this.releaseHeld();
  }

  private onChange(change: Change): void {
    const triggers: WebhookTrigger[] = [change.kind];
    if (change.table === 'tickets' && change.kind === 'updated') {
      const statusChanged = change.before?.status_id !== change.after.status_id;
      if (statusChanged) triggers.push('statusChanged');
      else if (this.quirks.ticketUpdateWebhookOnlyOnStatusChange) triggers.length = 0;
    }
    const events = this.state.truth.events.filter((e) => e.table === change.table && triggers.includes(e.trigger));
    if (events.length === 0) return;
    for (const notification of this.state.tables.notifications.values()) {
      const event = events.find((e) => e.eventno === Number(notification.eventno));
      const hook = event && this.state.get('webhooks', notification.webhook_id as string);
      if (!event || !hook || hook.active === false || hook.disabled === true) continue;
      this.enqueue(hook, notification, event, change);
    }
  }

  private enqueue(hook: HaloRecord, notification: HaloRecord, event: WebhookEventDef, change: Change): void {
    const now = this.state.clock.now();
    const payload: HaloRecord = {
      id: randomUUID(),
      webhook_id: hook.id,
      notification_id: notification.id,
      escmsg_id: randomUUID(),
      event: event.name.toLowerCase(),
      message: `${event.name} for ${ENTITY_KEYS[change.table] ?? change.table} ID: ${String(change.id)}.`,
      object_id: change.id,
      agent_id: change.agentId,
      timestamp: webhookTimestamp(now),
    };
    const kind = payloadKind(this.state, Number(hook.payload_type ?? 1));
    const floats = this.quirks.doublesAsFloats;
    let body = toHaloJson(payload, undefined, floats);
    if (kind !== 'eventOnly') {
      const record = change.kind === 'deleted' ? (change.before ?? change.after) : change.after;
      const fields = kind === 'keyFields' ? KEY_FIELDS[change.table] : undefined;
      const entity = fields ? Object.fromEntries(fields.filter((f) => f in record).map((f) => [f, record[f]])) : record;
      const key = this.quirks.webhookEntityKey === 'object' ? 'object' : (ENTITY_KEYS[change.table] ?? 'object');
      body = `${body.slice(0, -1)},${JSON.stringify(key)}:${toHaloJson(entity, TABLES[change.table].schema, floats)}}`;
    }
    const delivery: WebhookDelivery = {
      id: payload.id as string,
      webhookId: hook.id as string,
      notificationId: notification.id as number,
      eventno: event.eventno,
      event: payload.event as string,
      objectId: change.id,
      url: hook.url as string,
      body,
      headers: signedHeaders(hook, body),
      outcome: 'pending',
      queuedAt: now,
    };
    this.schedule(delivery);
  }

  private takeFault(d: WebhookDelivery): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (f.match?.eventno === undefined || f.match.eventno === d.eventno) && (f.match?.webhookId === undefined || f.match.webhookId === d.webhookId),
    );
    if (fault) fault.remaining--;
    return fault;
  }

  private schedule(delivery: WebhookDelivery): void {
    const fault = this.takeFault(delivery);
    this.deliveries.push(delivery);
    if (fault) delivery.fault = fault.kind;
    switch (fault?.kind) {
      case 'drop':
        delivery.outcome = 'dropped';
        return;
      case 'duplicate': {
        const copy = { ...delivery, headers: { ...delivery.headers } };
        this.deliveries.push(copy);
        this.track(this.inOrder(delivery));
        this.track(this.inOrder(copy));
        return;
      }
      case 'delay':
        this.track(new Promise((r) => setTimeout(r, fault.ms ?? 1000)).then(() => this.send(delivery)));
        return;
      case 'reorder':
        // Held back until the next delivery has gone out, so the receiver sees the two in the wrong order.
        this.releaseHeld();
        this.heldSend = new Promise<void>((release) => (this.held = release)).then(() => this.send(delivery));
        this.track(this.heldSend);
        return;
      default: {
        const sent = this.inOrder(delivery);
        this.track(sent);
        if (this.held) void sent.finally(() => this.releaseHeld());
      }
    }
  }

  private inOrder(d: WebhookDelivery): Promise<void> {
    const next = (this.queues.get(d.webhookId) ?? Promise.resolve()).then(() => this.send(d));
    this.queues.set(d.webhookId, next);
    return next;
  }

  private releaseHeld(): void {
    const release = this.held;
    this.held = undefined;
    release?.();
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async send(d: WebhookDelivery): Promise<void> {
    if (this.stopped) {
      d.outcome = 'failed';
      d.error = 'simulator stopped';
      return;
    }
    const started = Date.now();
    d.sentAt = this.state.clock.peek();
    let responseBody = '';
    let responseHeaders: Record<string, string> = {};
    try {
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(10_000) });
      d.responseStatus = res.status;
      responseBody = await res.text();
      responseHeaders = Object.fromEntries(res.headers.entries());
      d.outcome = res.ok ? 'delivered' : 'failed';
    } catch (err) {
      d.outcome = 'failed';
      d.error = err instanceof Error ? err.message : String(err);
    }
    this.state.create('webhookEvents', {
      webhook_id: d.webhookId,
      notification_id: d.notificationId,
      entity_id: typeof d.objectId === 'number' ? d.objectId : 0,
      timestamp: haloDate(d.sentAt),
      status: d.outcome === 'delivered' ? 1 : 2,
      duration: Date.now() - started,
      requestheaders: JSON.stringify(redact(d.headers)),
      requestbody: d.body,
      responsestatus: d.responseStatus ?? 0,
      responseheaders: JSON.stringify(responseHeaders),
      responsebody: responseBody.slice(0, 4000),
      error: d.outcome !== 'delivered',
    }, 0);
  }
}

/**
 * authentication_type 1: Basic with basic_username/basic_password. 3: header `authentication_header` (default
 * "Token") = base64(HMAC-SHA256(basic_password, raw body)), as DJPSA verifies it.
 */
export function signedHeaders(hook: HaloRecord, body: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': (hook.content_type as string | undefined) || 'application/json', 'user-agent': 'HaloPSA-Simulator' };
  const secret = (hook.basic_password as string | undefined) ?? '';
  switch (Number(hook.authentication_type ?? 0)) {
    case AUTH_TYPES.basic:
      headers.authorization = `Basic ${Buffer.from(`${(hook.basic_username as string | undefined) ?? ''}:${secret}`).toString('base64')}`;
      break;
    case AUTH_TYPES.hmac:
      headers[(((hook.authentication_header as string | undefined) || 'Token')).toLowerCase()] = createHmac('sha256', secret).update(body).digest('base64');
      break;
    default:
      break;
  }
  return headers;
}

function redact(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, k === 'content-type' || k === 'user-agent' ? v : '***']));
}
