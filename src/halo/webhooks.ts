/**
 * Halo's outbound webhooks on the wire (HALO-API.md §4): the event catalogue we subscribe to, the webhook and
 * notification shapes we create, how a delivery is signed, and how its body parses. Nothing here knows our
 * tables; `src/webhooks/` decides what to do with a parsed event.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parseHaloDate } from './dates';
import type { HaloResourceName } from './client';
import type { HaloNotification, HaloWebhook } from './types';

export type HaloWebhookAction = 'created' | 'updated' | 'deleted';

export interface HaloWebhookEventDef {
  eventno: number;
  /** The notification event name; deliveries carry it lower-cased in `event`. */
  name: string;
  /** The Halo resource the event is about (refetch it from here). */
  resource: Extract<HaloResourceName, 'clients' | 'sites' | 'users' | 'items' | 'tickets'>;
  action: HaloWebhookAction;
  /** The key of the record inside a full/small payload (DJPSA reads `ticket`; the others are presumed). */
  payloadKey: string;
}

/**
 * The events we subscribe to. Only 61 "Ticket updated" is confirmed (DJPSA) and "ticket status changed" is seen
 * live (DOTMARC); Halo publishes no catalogue for clients/sites/users/items, so those numbers follow the simulator
 * (HALO-API.md §4.2, "uncertain which non-ticket events exist"). Halo's own gaps: no item-update event, and ticket
 * edits fire only when the status changes — we subscribe to both 3 and 61 so either form of a status change
 * reaches us (the second delivery of one change is coalesced, not refetched twice).
 */
export const HALO_WEBHOOK_EVENTS: readonly HaloWebhookEventDef[] = [
  { eventno: 201, name: 'Customer created', resource: 'clients', action: 'created', payloadKey: 'client' },
  { eventno: 202, name: 'Customer updated', resource: 'clients', action: 'updated', payloadKey: 'client' },
  { eventno: 203, name: 'Customer deleted', resource: 'clients', action: 'deleted', payloadKey: 'client' },
  { eventno: 211, name: 'Site created', resource: 'sites', action: 'created', payloadKey: 'site' },
  { eventno: 212, name: 'Site updated', resource: 'sites', action: 'updated', payloadKey: 'site' },
  { eventno: 213, name: 'Site deleted', resource: 'sites', action: 'deleted', payloadKey: 'site' },
  { eventno: 231, name: 'Item created', resource: 'items', action: 'created', payloadKey: 'item' },
  { eventno: 233, name: 'Item deleted', resource: 'items', action: 'deleted', payloadKey: 'item' },
  { eventno: 1, name: 'New Ticket Logged', resource: 'tickets', action: 'created', payloadKey: 'ticket' },
  { eventno: 3, name: 'Ticket Status Changed', resource: 'tickets', action: 'updated', payloadKey: 'ticket' },
  { eventno: 61, name: 'Ticket updated', resource: 'tickets', action: 'updated', payloadKey: 'ticket' },
  { eventno: 62, name: 'Ticket deleted', resource: 'tickets', action: 'deleted', payloadKey: 'ticket' },
  { eventno: 221, name: 'User created', resource: 'users', action: 'created', payloadKey: 'user' },
  { eventno: 222, name: 'User updated', resource: 'users', action: 'updated', payloadKey: 'user' },
  { eventno: 223, name: 'User deleted', resource: 'users', action: 'deleted', payloadKey: 'user' },
];

const BY_NAME = new Map(HALO_WEBHOOK_EVENTS.map((e) => [e.name.toLowerCase(), e]));
const BY_NO = new Map(HALO_WEBHOOK_EVENTS.map((e) => [e.eventno, e]));
export const haloWebhookEvent = (eventno: number): HaloWebhookEventDef | undefined => BY_NO.get(eventno);

/**
 * `Webhook.authentication_type`. 0 none and 1 Basic are certain; 3 with `authentication_header` + `basic_password`
 * is DJPSA's signed body: header = base64(HMAC-SHA256(basic_password, raw body)).
 */
export const HALO_WEBHOOK_AUTH = { none: 0, basic: 1, signedBody: 3 } as const;
/** `Webhook.payload_type` (enum unverified): 0 key fields only, 1 full object, 2 event only. */
export const HALO_WEBHOOK_PAYLOAD = { keyFields: 0, full: 1, eventOnly: 2 } as const;
/** A notification that delivers to a webhook (DJPSA: `type: -2, delivery_method: 6`). */
export const HALO_WEBHOOK_NOTIFICATION = { type: -2, deliveryMethod: 6 } as const;
export const HALO_SIGNATURE_HEADER = 'Token';

/** What we send to `POST /api/Webhook` for one outbound webhook signed with `secret`. */
export function haloWebhookBody(input: { id?: string; name: string; url: string; secret: string; note: string }): Partial<HaloWebhook> {
  return {
    ...(input.id ? { id: input.id } : {}),
    name: input.name,
    note: input.note,
    url: input.url,
    type: 0,
    method: 0,
    content_type: 'application/json',
    active: true,
    disabled: false,
    authentication_type: HALO_WEBHOOK_AUTH.signedBody,
    authentication_header: HALO_SIGNATURE_HEADER,
    basic_password: input.secret,
    algorithm: 0,
    payload_type: HALO_WEBHOOK_PAYLOAD.keyFields,
  };
}

/** What we send to `POST /api/Notification` to subscribe a webhook to one event. */
export function haloNotificationBody(webhookId: string, event: HaloWebhookEventDef): Partial<HaloNotification> {
  return {
    webhook_id: webhookId,
    type: HALO_WEBHOOK_NOTIFICATION.type,
    delivery_method: HALO_WEBHOOK_NOTIFICATION.deliveryMethod,
    eventno: event.eventno,
    name: event.name,
    filter_type: 2,
    restriction_type: 0,
    conditions: [],
  };
}

/** Halo sends ids and enums as numbers or numeric strings. */
export const haloInt = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
};

/** The signature Halo puts in the `Token` header for a signed-body webhook. */
export function haloWebhookSignature(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Timing-safe equality of two strings of any lengths (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Is this delivery signed with `secret`? Accepts the signed-body header (what we install) or Basic credentials
 * with the same secret as password (for a Halo whose admin switched the webhook to Basic). Both compares are
 * timing-safe; an absent or malformed header is simply false.
 */
export function verifyHaloWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, secret: string): boolean {
  const token = headers[HALO_SIGNATURE_HEADER.toLowerCase()];
  if (typeof token === 'string' && token.length) return safeEqual(token.trim(), haloWebhookSignature(secret, rawBody));
  const auth = headers.authorization;
  const basic = typeof auth === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth) : null;
  if (!basic) return false;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && safeEqual(decoded.slice(colon + 1), secret);
}

/** One event of a delivery, normalised. */
export interface HaloWebhookEventIn {
  /** The payload's `id`: a re-sent or duplicated delivery carries the same one. */
  deliveryId: string | null;
  webhookId: string | null;
  notificationId: number | null;
  /** Lower-case event name as sent. */
  event: string;
  def: HaloWebhookEventDef | null;
  objectId: number;
  /** When Halo raised the event (its clock). */
  at: Date | null;
}

export class HaloWebhookPayloadError extends Error {}

const MAX_EVENTS_PER_DELIVERY = 1000;

/**
 * Parses a delivery body: one event object, or an array of them (Halo's batching). Throws
 * HaloWebhookPayloadError naming what is wrong; an event we do not know parses with `def: null`.
 */
export function parseHaloWebhookBody(raw: string, eventsByNotification?: Map<number, number>): HaloWebhookEventIn[] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new HaloWebhookPayloadError('the body is not valid JSON');
  }
  const list = Array.isArray(json) ? json : [json];
  if (!list.length) throw new HaloWebhookPayloadError('the body holds no event');
  if (list.length > MAX_EVENTS_PER_DELIVERY) throw new HaloWebhookPayloadError(`more than ${MAX_EVENTS_PER_DELIVERY} events in one delivery`);
  return list.map((item, i) => {
    const where = Array.isArray(json) ? `event [${i}]` : 'the event';
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new HaloWebhookPayloadError(`${where} is not a JSON object`);
    const o = item as Record<string, unknown>;
    const event = typeof o.event === 'string' ? o.event.trim().toLowerCase() : '';
    const notificationId = haloInt(o.notification_id);
    let def = BY_NAME.get(event) ?? null;
    if (!def && notificationId !== null && eventsByNotification?.has(notificationId)) def = BY_NO.get(eventsByNotification.get(notificationId)!) ?? null;
    // With "event only" payloads and no event name, the entity key tells at least the resource.
    let objectId = haloInt(o.object_id);
    if (objectId === null && def) objectId = haloInt((o[def.payloadKey] as Record<string, unknown> | undefined)?.id);
    if (!event && !def) throw new HaloWebhookPayloadError(`${where} has no "event" name`);
    if (objectId === null || objectId <= 0) throw new HaloWebhookPayloadError(`${where} has no numeric "object_id"`);
    return {
      deliveryId: typeof o.id === 'string' && o.id.length <= 100 ? o.id : null,
      webhookId: typeof o.webhook_id === 'string' ? o.webhook_id.slice(0, 100) : null,
      notificationId,
      event: (event || def?.name.toLowerCase() || '').slice(0, 200),
      def,
      objectId,
      at: parseHaloDate(o.timestamp),
    };
  });
}
