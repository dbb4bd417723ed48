/**
 * Halo's outbound webhooks on the wire (HALO-API.md §4, §9): the webhook and notification shapes we create, how a
 * delivery is signed, how its body parses, and how an event is recognised by its name and payload key. Nothing
 * here knows our tables; `src/webhooks/` decides what to do with a parsed event.
 *
 * Event numbers: only the ticket events in `facts.ts` (`HALO_TICKET_EVENTS`) have public evidence. No number for a
 * client, site, user or item event is known, so none appears here: the product subscribes to the ticket events,
 * plus numbers an admin tells us per tenant, and adopts what an admin ticks for our webhook in Halo's UI.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parseHaloDate } from './dates';
import {
  HALO_NOTIFICATION,
  HALO_PAYLOAD_KEYS,
  HALO_PAYLOAD_TYPE,
  HALO_TICKET_EVENTS,
  HALO_MAX_RECORD_ID,
  HALO_WEBHOOK_SIGNED_BODY_AUTH,
  type HaloEventAction,
  type HaloTicketEventFact,
} from './facts';
import type { HaloNotification, HaloWebhook } from './types';

export type HaloWebhookAction = HaloEventAction;
export const HALO_WEBHOOK_ACTIONS: readonly HaloWebhookAction[] = ['created', 'updated', 'deleted'];

/** The Halo resources whose events we can act on (refetch from here). Opportunities are tickets in Halo. */
export type HaloEventResource = keyof typeof HALO_PAYLOAD_KEYS;
export const HALO_EVENT_RESOURCES = Object.keys(HALO_PAYLOAD_KEYS) as HaloEventResource[];

/** What an event is about: a resource and an action. */
export interface HaloEventClass {
  resource: HaloEventResource;
  action: HaloWebhookAction;
}

/** The ticket events with public evidence (facts.ts), by number. */
export const haloTicketEvent = (eventno: number): HaloTicketEventFact | undefined => HALO_TICKET_EVENTS.find((e) => e.eventno === eventno);

/**
 * Words in an event name that say what it is about. Our heuristic, not a Halo fact: the only names with evidence
 * are the ticket events' (facts.ts); for the rest Halo publishes no catalogue (HALO-API.md §9), so a name is
 * trusted only when exactly one resource and exactly one action can be read from it.
 */
const RESOURCE_WORDS: readonly [HaloEventResource, RegExp][] = [
  ['clients', /\b(customers?|clients?)\b/],
  ['sites', /\bsites?\b/],
  ['users', /\b(users?|contacts?)\b/],
  ['items', /\b(items?|products?)\b/],
  ['tickets', /\b(tickets?|opportunit(y|ies))\b/],
];
const ACTION_WORDS: readonly [HaloWebhookAction, RegExp][] = [
  ['created', /\b(new|created?|logged|added)\b/],
  ['updated', /\b(updated?|changed?|edited|modified)\b/],
  ['deleted', /\b(deleted?|removed?)\b/],
];

const only = <T>(found: T[]): T | null => (found.length === 1 ? found[0]! : null);

/** The one resource a payload key names (`ticket`, `client`, …); null for `object` or anything else. */
export function resourceOfPayloadKey(key: string | null | undefined): HaloEventResource | null {
  if (!key) return null;
  return HALO_EVENT_RESOURCES.find((r) => HALO_PAYLOAD_KEYS[r].value === key) ?? null;
}

/**
 * Pure: what an event is about, from its name and (for a delivery) the key its record came under. The payload key
 * names the resource when present; otherwise the name must name exactly one. The action always comes from the
 * name (new/created/logged/added, updated/changed/edited/modified, deleted/removed), exactly one of them. null when
 * it cannot be told: such an event is never guessed at.
 */
export function classifyHaloEvent(name: string | null | undefined, payloadKey?: string | null): HaloEventClass | null {
  const text = (name ?? '').toLowerCase();
  const resource = resourceOfPayloadKey(payloadKey) ?? only(RESOURCE_WORDS.filter(([, re]) => re.test(text)).map(([r]) => r));
  const action = only(ACTION_WORDS.filter(([, re]) => re.test(text)).map(([a]) => a));
  return resource && action ? { resource, action } : null;
}

/**
 * `Webhook.authentication_type` 3 with `authentication_header` + `basic_password` is DJPSA's signed body:
 * header = base64(HMAC-SHA256(basic_password, raw body)) (facts.ts, one source).
 */
export const HALO_WEBHOOK_AUTH = { signedBody: HALO_WEBHOOK_SIGNED_BODY_AUTH.value } as const;
/** A notification that delivers to a webhook (facts.ts `HALO_NOTIFICATION`). */
export const HALO_WEBHOOK_NOTIFICATION = { type: HALO_NOTIFICATION.type.value, deliveryMethod: HALO_NOTIFICATION.deliveryMethod.value, filterType: HALO_NOTIFICATION.filterType.value } as const;
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
    // Its meaning is unknown (facts.ts); we never depend on it: every delivery is refetched by object_id.
    payload_type: HALO_PAYLOAD_TYPE.value,
  };
}

/** What we send to `POST /api/Notification` to subscribe a webhook to event `eventno`. */
export function haloNotificationBody(webhookId: string, event: { eventno: number; name: string }): Partial<HaloNotification> {
  return {
    webhook_id: webhookId,
    type: HALO_WEBHOOK_NOTIFICATION.type,
    delivery_method: HALO_WEBHOOK_NOTIFICATION.deliveryMethod,
    eventno: event.eventno,
    name: event.name,
    filter_type: HALO_WEBHOOK_NOTIFICATION.filterType,
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

/** What we already know about a notification (subscription) of our webhook, by its id. */
export interface KnownNotification {
  eventno: number | null;
  class: HaloEventClass | null;
}

/** One event of a delivery, normalised. */
export interface HaloWebhookEventIn {
  /** The payload's `id`: a re-sent or duplicated delivery carries the same one. */
  deliveryId: string | null;
  webhookId: string | null;
  notificationId: number | null;
  /** Lower-case event name as sent. */
  event: string;
  /** The key the record came under (`ticket`, `client`, `object`, …); null when the payload carries none. */
  payloadKey: string | null;
  /** What the event is about; null when neither the delivery nor its notification tells. */
  class: HaloEventClass | null;
  /** `payload`: from the event name and payload key; `notification`: from what we know of its notification_id. */
  classifiedBy: 'payload' | 'notification' | null;
  /** The event number, when its notification is known to us (deliveries do not carry it). */
  eventno: number | null;
  objectId: number;
  /** When Halo raised the event (its clock). */
  at: Date | null;
}

export class HaloWebhookPayloadError extends Error {}

const MAX_EVENTS_PER_DELIVERY = 1000;
/** Keys a delivery's record may come under: `ticket` (confirmed), the presumed `client`/`site`/`user`/`item`, or `object`. */
const RECORD_KEYS = [...HALO_EVENT_RESOURCES.map((r) => HALO_PAYLOAD_KEYS[r].value), 'object'];

function payloadKeyOf(o: Record<string, unknown>): string | null {
  return RECORD_KEYS.find((k) => !!o[k] && typeof o[k] === 'object' && !Array.isArray(o[k])) ?? null;
}

/**
 * Parses a delivery body: one event object, or an array of them (Halo's batching). Throws
 * HaloWebhookPayloadError naming what is wrong. An event is recognised by its name and payload key
 * (`classifyHaloEvent`), else by what `notifications` says of its notification_id; otherwise it parses with
 * `class: null`.
 */
export function parseHaloWebhookBody(raw: string, notifications?: ReadonlyMap<number, KnownNotification>): HaloWebhookEventIn[] {
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
    const event = typeof o.event === 'string' ? o.event.trim().toLowerCase().slice(0, 200) : '';
    const notificationId = haloInt(o.notification_id);
    const payloadKey = payloadKeyOf(o);
    const known = notificationId !== null ? notifications?.get(notificationId) : undefined;
    let cls = classifyHaloEvent(event, payloadKey);
    let classifiedBy: HaloWebhookEventIn['classifiedBy'] = cls ? 'payload' : null;
    if (!cls && known?.class) {
      cls = known.class;
      classifiedBy = 'notification';
    }
    if (!event && !cls) throw new HaloWebhookPayloadError(`${where} has no "event" name`);
    let objectId = haloInt(o.object_id);
    if (objectId === null && payloadKey) objectId = haloInt((o[payloadKey] as Record<string, unknown>).id);
    if (objectId === null || objectId <= 0) throw new HaloWebhookPayloadError(`${where} has no numeric "object_id"`);
    if (objectId > HALO_MAX_RECORD_ID.value) throw new HaloWebhookPayloadError(`${where} has an "object_id" larger than any Halo record id (${HALO_MAX_RECORD_ID.value})`);
    return {
      deliveryId: typeof o.id === 'string' && o.id.length <= 100 ? o.id : null,
      webhookId: typeof o.webhook_id === 'string' ? o.webhook_id.slice(0, 100) : null,
      notificationId,
      event,
      payloadKey,
      class: cls,
      classifiedBy,
      eventno: known?.eventno ?? null,
      objectId,
      at: parseHaloDate(o.timestamp),
    };
  });
}
