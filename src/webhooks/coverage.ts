/**
 * Pure decisions about real-time coverage: what each subscription Halo holds on our webhook is about, which events
 * we want Halo to hold, and per entity and action whether changes arrive in seconds (a delivery was seen), should
 * (Halo holds a subscription) or are only polled. Judged from what Halo holds and what arrived, never from what we
 * asked for.
 */
import { HALO_TICKET_EVENTS } from '../halo/facts';
import { classifyHaloEvent, haloTicketEvent, type HaloEventClass, type HaloWebhookAction } from '../halo';
import {
  ENTITY_OF_RESOURCE,
  KNOWN_GAPS,
  RESOURCE_OF_ENTITY,
  WEBHOOK_ACTIONS,
  WEBHOOK_ENTITIES,
  WEBHOOK_ENTITY_NAMES,
  haloWordsFor,
  isObsoleteSubscription,
  type SyncSchedules,
  type WebhookEntity,
} from './spec';

/**
 * KNOWN_EVENT: a ticket event with public evidence (facts.ts); TOLD: a number an admin gave us; ADOPTED: added in
 * Halo (by an admin), recognised by its name or its first delivery; UNRECOGNISED: added in Halo, not recognised
 * yet; OBSOLETE: made up by an earlier version of halo-sync, or made by us for a told number since withdrawn
 * (repair removes it).
 */
export type SubscriptionOrigin = 'KNOWN_EVENT' | 'TOLD' | 'ADOPTED' | 'UNRECOGNISED' | 'OBSOLETE';
/** How a subscription's meaning was learned. */
export type ClassifiedBy = 'KNOWN_EVENT' | 'TOLD' | 'NAME' | 'DELIVERY';
export type CoverageState = 'REALTIME_CONFIRMED' | 'SUBSCRIBED' | 'MISSING';

export interface ToldEvent {
  entity: WebhookEntity;
  action: HaloWebhookAction;
  eventNumber: number;
}

/** A notification Halo holds on our webhook, as read back. */
export interface HeldNotification {
  id: number;
  eventno: number | null;
  name: string;
}

/** What we stored about a notification earlier (a first delivery may have told us what it is). */
export interface StoredKnowledge {
  class: HaloEventClass | null;
  classifiedBy: ClassifiedBy | null;
}

export interface SubscriptionView {
  /** Halo's notification id; null for one we want that Halo does not hold. */
  notificationId: number | null;
  eventno: number | null;
  name: string;
  class: HaloEventClass | null;
  origin: SubscriptionOrigin;
  classifiedBy: ClassifiedBy | null;
  /** Whether Halo holds it. */
  installed: boolean;
}

export interface CoverageRow {
  entity: WebhookEntity;
  action: HaloWebhookAction;
  state: CoverageState;
  /** The event numbers of the subscriptions Halo holds for it. */
  eventNumbers: number[];
  /** The newest delivery received for it. */
  lastDeliveryAt: Date | null;
  /** What Halo is known not to send for it, however it is subscribed. */
  gap: string | null;
  /** What to do to make it real time; null when it is. */
  fix: string | null;
  /** A number told for it that Halo does not hold yet (repair subscribes it). */
  toldPending: number | null;
}

const ENTITY_ENUM = (e: WebhookEntity) => e.toUpperCase();
const article = (words: string) => `${/^[aeio]/.test(words) ? 'an' : 'a'} ${words}`; // 'a user', 'an item'
const ACTION_ENUM = (a: HaloWebhookAction) => a.toUpperCase();
/** Our subscriptions for told numbers carry this prefix, so one whose number was withdrawn is recognised as ours. */
export const TOLD_NAME_PREFIX = 'halo-sync: ';
export const toldName = (t: ToldEvent) => `${TOLD_NAME_PREFIX}${t.entity} ${t.action}`;
const entityOf = (c: HaloEventClass | null) => (c ? ENTITY_OF_RESOURCE[c.resource] : null);

/** Told events are validated on the way in; a stored document that no longer parses counts for nothing. */
export function toldEventsFrom(doc: unknown): ToldEvent[] {
  if (!Array.isArray(doc)) return [];
  return doc.filter(
    (t): t is ToldEvent =>
      !!t && WEBHOOK_ENTITY_NAMES.includes(t.entity) && WEBHOOK_ACTIONS.includes(t.action) && Number.isInteger(t.eventNumber) && t.eventNumber > 0,
  );
}

/**
 * What one held notification is about. An admin's word first, then the confirmed ticket events, then what its
 * first delivery showed, then its name. One an earlier version made up, or one we made for a number no longer
 * told, is OBSOLETE.
 */
export function classifyHeld(n: HeldNotification, told: readonly ToldEvent[], stored?: StoredKnowledge): SubscriptionView {
  const base = { notificationId: n.id, eventno: n.eventno, name: n.name, installed: true };
  const t = told.find((x) => x.eventNumber === n.eventno);
  if (t) return { ...base, class: { resource: RESOURCE_OF_ENTITY[t.entity], action: t.action }, origin: 'TOLD', classifiedBy: 'TOLD' };
  const ticket = n.eventno !== null ? haloTicketEvent(n.eventno) : undefined;
  if (ticket) return { ...base, class: { resource: 'tickets', action: ticket.action }, origin: 'KNOWN_EVENT', classifiedBy: 'KNOWN_EVENT' };
  if (isObsoleteSubscription(n.eventno, n.name) || n.name.startsWith(TOLD_NAME_PREFIX)) return { ...base, class: null, origin: 'OBSOLETE', classifiedBy: null };
  if (stored?.class && stored.classifiedBy === 'DELIVERY') return { ...base, class: stored.class, origin: 'ADOPTED', classifiedBy: 'DELIVERY' };
  const byName = classifyHaloEvent(n.name);
  if (byName) return { ...base, class: byName, origin: 'ADOPTED', classifiedBy: 'NAME' };
  return { ...base, class: null, origin: 'UNRECOGNISED', classifiedBy: null };
}

/** The events we subscribe our webhook to: the ticket events with evidence, and what an admin told us. */
export function desiredEvents(told: readonly ToldEvent[]): { eventno: number; name: string; origin: 'KNOWN_EVENT' | 'TOLD'; class: HaloEventClass }[] {
  return [
    ...HALO_TICKET_EVENTS.map((e) => ({ eventno: e.eventno, name: e.name, origin: 'KNOWN_EVENT' as const, class: { resource: 'tickets' as const, action: e.action } })),
    ...told.map((t) => ({ eventno: t.eventNumber, name: toldName(t), origin: 'TOLD' as const, class: { resource: RESOURCE_OF_ENTITY[t.entity], action: t.action } })),
  ];
}

/** Every held subscription, classified, then every wanted one Halo lacks. */
export function subscriptionViews(held: readonly HeldNotification[], told: readonly ToldEvent[], stored: ReadonlyMap<number, StoredKnowledge>): SubscriptionView[] {
  const views = held.map((n) => classifyHeld(n, told, stored.get(n.id)));
  const heldNos = new Set(held.map((n) => n.eventno));
  for (const d of desiredEvents(told)) {
    if (!heldNos.has(d.eventno)) {
      views.push({ notificationId: null, eventno: d.eventno, name: d.name, class: d.class, origin: d.origin, classifiedBy: d.origin === 'TOLD' ? 'TOLD' : 'KNOWN_EVENT', installed: false });
    }
  }
  return views;
}

export const pairKey = (entity: string, action: string) => `${entity}:${action}`;

/**
 * Per entity and action: REALTIME_CONFIRMED when Halo holds a subscription for it and a delivery for it arrived,
 * SUBSCRIBED when Halo holds one but none arrived yet, MISSING otherwise (the scheduled sync polls it). Nothing
 * counts while our webhook is missing or disabled in Halo.
 */
export function computeCoverage(input: {
  /** Our webhook exists in Halo, active and enabled. */
  usable: boolean;
  subscriptions: readonly SubscriptionView[];
  /** Newest delivery received per `entity:action`. */
  lastDelivery: ReadonlyMap<string, Date>;
  webhookName: string;
}): CoverageRow[] {
  const rows: CoverageRow[] = [];
  for (const entity of WEBHOOK_ENTITY_NAMES) {
    for (const action of WEBHOOK_ACTIONS) {
      const key = pairKey(entity, action);
      const held = input.usable ? input.subscriptions.filter((s) => s.installed && s.class && entityOf(s.class) === entity && s.class.action === action) : [];
      const lastDeliveryAt = input.lastDelivery.get(key) ?? null;
      const state: CoverageState = held.length ? (lastDeliveryAt ? 'REALTIME_CONFIRMED' : 'SUBSCRIBED') : 'MISSING';
      const gap = KNOWN_GAPS[key as keyof typeof KNOWN_GAPS] ?? null;
      const toldMissing = input.subscriptions.find((s) => !s.installed && s.origin === 'TOLD' && entityOf(s.class) === entity && s.class?.action === action);
      let fix: string | null = null;
      if (state === 'MISSING') {
        if (!input.usable) fix = 'Install or repair our webhook (installHaloWebhooks / repairHaloWebhooks), then tick its events in Halo.';
        else if (toldMissing) fix = `Repair the webhooks (repairHaloWebhooks) to subscribe to event ${toldMissing.eventno}, which you told us is ${entity} ${action}.`;
        else fix = tickFix(input.webhookName, entity, action, gap);
      }
      rows.push({
        entity,
        action,
        state,
        eventNumbers: [...new Set(held.map((s) => s.eventno).filter((n): n is number => n !== null))],
        lastDeliveryAt,
        gap,
        fix,
        toldPending: state === 'MISSING' ? (toldMissing?.eventno ?? null) : null,
      });
    }
  }
  return rows;
}

/** Where to tick an event in Halo's UI, and the mutation that tells us its number instead. */
export function tickFix(webhookName: string, entity: WebhookEntity, action: HaloWebhookAction, gap: string | null = null): string {
  const tick = `In Halo: Configuration > Integrations > Webhooks > "${webhookName}" > Events: tick the event for ${article(haloWordsFor(entity))} being ${action}`;
  const tell = `or tell us its event number: setHaloWebhookEvents(events: [{ entity: ${ENTITY_ENUM(entity)}, action: ${ACTION_ENUM(action)}, eventNumber: <number> }])`;
  return gap ? `${gap}, so the scheduled sync covers it. If your Halo has such an event: ${tick}, ${tell}.` : `${tick}, ${tell}.`;
}

/** An entity whose changes are not all real time (or that Halo has a known gap for) needs frequent polling. */
export function entitiesNeedingPolling(rows: readonly { entity: string; action: string; state: string }[]): WebhookEntity[] {
  return WEBHOOK_ENTITY_NAMES.filter((e) => {
    const mine = rows.filter((r) => r.entity === e);
    return mine.length < WEBHOOK_ACTIONS.length || mine.some((r) => r.state === 'MISSING');
  });
}

/** A cron schedule in words where it is a plain "every N minutes" one, always with the expression. */
export function scheduleWords(cron: string): string {
  const m = /^(?:\*|\d+-59)\/(\d+) \* \* \* \*$/.exec(cron.trim());
  return m ? `every ${m[1]} minutes ("${cron}")` : `"${cron}"`;
}

/**
 * The checklist's words: which changes arrive in seconds, and which are polled and how often. Entities not fully
 * real time are polled on `schedules.uncovered`; opportunities on their own schedule; deletions only a full sync
 * notices; quotes on the general schedule.
 */
export function describeCoverage(rows: readonly { entity: string; action: string; state: string }[], schedules: SyncSchedules): { realtime: string[]; polled: string[] } {
  const realtime: string[] = [];
  const polled: string[] = [];
  for (const { entity } of WEBHOOK_ENTITIES) {
    const mine = rows.filter((r) => r.entity === entity);
    const on = mine.filter((r) => r.state !== 'MISSING');
    if (on.length) {
      const words = on.map((r) => (entity === 'opportunities' && r.action === 'updated' ? 'status changes' : r.action));
      const waiting = on.filter((r) => r.state === 'SUBSCRIBED').map((r) => r.action);
      realtime.push(`${entity}: ${words.join(', ')}${waiting.length ? ` (subscribed in Halo, no delivery seen yet: ${waiting.join(', ')})` : ''}`);
    }
    const off = WEBHOOK_ACTIONS.filter((a) => !on.some((r) => r.action === a));
    const changes = off.filter((a) => a !== 'deleted');
    const schedule =
      entity === 'opportunities'
        ? `opportunity sync ${scheduleWords(schedules.opportunities)}`
        : `incremental sync of the entities without real-time coverage, ${scheduleWords(schedules.uncovered)}`;
    if (changes.length) {
      const gap = changes.map((a) => KNOWN_GAPS[pairKey(entity, a) as keyof typeof KNOWN_GAPS]).find(Boolean);
      polled.push(`${entity} ${changes.join(', ')}${gap ? ` (${gap})` : ''}: ${schedule}`);
    }
    if (entity === 'opportunities' && on.some((r) => r.action === 'updated')) {
      polled.push(`opportunity edits other than status (type, name, stage, team, agent; ${KNOWN_GAPS['opportunities:updated']}): ${schedule}`);
    }
    if (off.includes('deleted')) polled.push(`${entity} deleted in Halo: noticed by the next full sync (startSync with full: true)`);
  }
  polled.push(`quotes changed in Halo: incremental sync ${scheduleWords(schedules.sync)}`);
  return { realtime, polled };
}

/** The most told events one call may hold: one per entity and action. */
export const MAX_TOLD_EVENTS = WEBHOOK_ENTITY_NAMES.length * WEBHOOK_ACTIONS.length;

export interface ToldFieldError {
  path: string;
  code: string;
  message: string;
}

/**
 * Pure validation of event numbers an admin tells us: known entities and actions, positive whole numbers, one
 * number per entity and action, no number for two of them, and none of the ticket events we subscribe to anyway.
 */
export function validateToldEvents(input: readonly { entity: string; action: string; eventNumber: number }[]): { told: ToldEvent[]; errors: ToldFieldError[] } {
  const errors: ToldFieldError[] = [];
  if (input.length > MAX_TOLD_EVENTS) return { told: [], errors: [{ path: 'events', code: 'TOO_MANY', message: `at most ${MAX_TOLD_EVENTS} events (one per entity and action)` }] };
  const pairs = new Map<string, number>();
  const numbers = new Map<number, number>();
  input.forEach((t, i) => {
    const at = `events.${i}`;
    if (!WEBHOOK_ENTITY_NAMES.includes(t.entity as WebhookEntity)) errors.push({ path: `${at}.entity`, code: 'UNKNOWN_ENTITY', message: `must be one of ${WEBHOOK_ENTITY_NAMES.join(', ')}` });
    if (!WEBHOOK_ACTIONS.includes(t.action as HaloWebhookAction)) errors.push({ path: `${at}.action`, code: 'UNKNOWN_ACTION', message: `must be one of ${WEBHOOK_ACTIONS.join(', ')}` });
    if (!Number.isInteger(t.eventNumber) || t.eventNumber < 1 || t.eventNumber > 2_147_483_647) {
      errors.push({ path: `${at}.eventNumber`, code: 'INVALID_EVENT_NUMBER', message: 'must be a positive whole number (Halo\'s event number)' });
    } else {
      const ticket = haloTicketEvent(t.eventNumber);
      if (ticket) {
        errors.push({ path: `${at}.eventNumber`, code: 'KNOWN_TICKET_EVENT', message: `${t.eventNumber} is Halo's "${ticket.name}", which we subscribe to already` });
      }
      const first = numbers.get(t.eventNumber);
      if (first !== undefined) errors.push({ path: `${at}.eventNumber`, code: 'DUPLICATE_EVENT_NUMBER', message: `event ${t.eventNumber} is already given for events.${first}: one event cannot be two kinds of change` });
      else numbers.set(t.eventNumber, i);
    }
    const key = pairKey(t.entity, t.action);
    const firstPair = pairs.get(key);
    if (firstPair !== undefined) errors.push({ path: at, code: 'DUPLICATE_ENTITY_ACTION', message: `${t.entity} ${t.action} is already given for events.${firstPair}` });
    else pairs.set(key, i);
  });
  return { told: errors.length ? [] : input.map((t) => ({ entity: t.entity as WebhookEntity, action: t.action as HaloWebhookAction, eventNumber: t.eventNumber })), errors };
}

/**
 * What to tick in Halo (and the mutation to call instead) for every entity and action that is not real time and
 * has no known gap; null when nothing is missing.
 */
export function missingRealtimeFix(rows: readonly CoverageRow[], webhookName: string | null, usable: boolean): string | null {
  const missing = rows.filter((r) => r.state === 'MISSING' && !r.gap);
  if (!missing.length) return null;
  if (!usable) return 'Install or repair our Halo webhook (installHaloWebhooks / repairHaloWebhooks); then tick its events in Halo.';
  const told = missing.filter((r) => r.toldPending !== null);
  const toTick = missing.filter((r) => !told.includes(r));
  const parts: string[] = [];
  if (toTick.length) {
    const list = WEBHOOK_ENTITIES.map((e) => [e, toTick.filter((r) => r.entity === e.entity).map((r) => r.action)] as const)
      .filter(([, a]) => a.length)
      .map(([e, a]) => `${article(e.halo)} being ${a.join(', ')}`);
    const example = toTick[0]!;
    parts.push(
      `In Halo: Configuration > Integrations > Webhooks > "${webhookName ?? 'halo-sync real-time sync'}" > Events, tick the events for ${list.join('; ')}. ` +
        `Or, if you know an event's number, tell us: setHaloWebhookEvents(events: [{ entity: ${ENTITY_ENUM(example.entity)}, action: ${ACTION_ENUM(example.action)}, eventNumber: <number> }, …]) and repair the webhooks.`,
    );
  }
  if (told.length) parts.push(`Repair the webhooks (repairHaloWebhooks) to subscribe to the event numbers you told us (${told.map((r) => `${r.entity} ${r.action}`).join(', ')}).`);
  return parts.join(' ');
}
