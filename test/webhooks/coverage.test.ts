import { describe, expect, it } from 'vitest';
import { classifyHaloEvent, parseHaloWebhookBody } from '../../src/halo';
import { HALO_TICKET_EVENTS } from '../../src/halo/facts';
import { truthFor } from '../../src/halo-sim';
import { buildChecklist } from '../../src/integration/checklist';
import {
  classifyHeld,
  computeCoverage,
  describeCoverage,
  entitiesNeedingPolling,
  missingRealtimeFix,
  scheduleWords,
  subscriptionViews,
  validateToldEvents,
  type SubscriptionView,
} from '../../src/webhooks/coverage';
import { TRUTH_SEED } from '../support/halo';

const SCHEDULES = { sync: '*/15 * * * *', opportunities: '*/5 * * * *', uncovered: '2-59/5 * * * *' };
const held = (id: number, eventno: number | null, name: string) => ({ id, eventno, name });

/** The pure decisions: recognising events, judging coverage from what Halo holds, validating told numbers. */
describe('webhook coverage decisions', () => {
  it('recognises an event by its name or payload key, never by a guessed number', () => {
    expect(classifyHaloEvent('ticket status changed', 'ticket')).toEqual({ resource: 'tickets', action: 'updated' });
    expect(classifyHaloEvent('New Ticket Logged')).toEqual({ resource: 'tickets', action: 'created' });
    expect(classifyHaloEvent('Customer Created')).toEqual({ resource: 'clients', action: 'created' });
    expect(classifyHaloEvent('client removed')).toEqual({ resource: 'clients', action: 'deleted' });
    expect(classifyHaloEvent('Contact Added')).toEqual({ resource: 'users', action: 'created' });
    expect(classifyHaloEvent('Product Added')).toEqual({ resource: 'items', action: 'created' });
    expect(classifyHaloEvent('Site Edited')).toEqual({ resource: 'sites', action: 'updated' });
    expect(classifyHaloEvent('opportunity updated')).toEqual({ resource: 'tickets', action: 'updated' });
    // The payload key names the resource when the name does not.
    expect(classifyHaloEvent('record changed', 'user')).toEqual({ resource: 'users', action: 'updated' });
    expect(classifyHaloEvent('record changed', 'object')).toBeNull();
    // Nothing is guessed: no action word, or two resources or two actions.
    expect(classifyHaloEvent('ticket reassigned')).toBeNull();
    expect(classifyHaloEvent('Ticket Updated by User')).toBeNull();
    expect(classifyHaloEvent('new user deleted')).toBeNull();
    expect(classifyHaloEvent('')).toBeNull();
  });

  it('recognises every event this seed\'s simulated Halo raises by its name alone', () => {
    for (const seed of [TRUTH_SEED, 1, 4, 12]) {
      for (const e of truthFor(seed).events) {
        const c = classifyHaloEvent(e.name);
        const table = { tickets: 'tickets', clients: 'clients', sites: 'sites', users: 'users', items: 'items' }[e.table];
        expect(c, `${seed}: ${e.name}`).toEqual({ resource: table, action: e.trigger === 'statusChanged' ? 'updated' : e.trigger });
      }
    }
  });

  it('parses a delivery, recognising it by name, key or what its notification is known to be', () => {
    const known = new Map([[41, { eventno: 900, class: { resource: 'sites' as const, action: 'updated' as const } }]]);
    const [byName] = parseHaloWebhookBody(JSON.stringify({ id: 'a', event: 'User Changed', object_id: 7, notification_id: 5 }), known);
    expect(byName).toMatchObject({ event: 'user changed', class: { resource: 'users', action: 'updated' }, classifiedBy: 'payload', eventno: null, objectId: 7, payloadKey: null });
    const [byKey] = parseHaloWebhookBody(JSON.stringify({ event: 'changed', ticket: { id: 9 } }), known);
    expect(byKey).toMatchObject({ class: { resource: 'tickets', action: 'updated' }, objectId: 9, payloadKey: 'ticket' });
    const [byNotification] = parseHaloWebhookBody(JSON.stringify({ event: 'ops rule 7', object_id: 3, notification_id: 41 }), known);
    expect(byNotification).toMatchObject({ class: { resource: 'sites', action: 'updated' }, classifiedBy: 'notification', eventno: 900 });
    const [unknown] = parseHaloWebhookBody(JSON.stringify({ event: 'ops rule 7', object_id: 3, notification_id: 42 }), known);
    expect(unknown).toMatchObject({ class: null, classifiedBy: null });
  });

  it('classifies held subscriptions: told, then the evidenced ticket events, then delivery, then name', () => {
    const told = [{ entity: 'contacts' as const, action: 'updated' as const, eventNumber: 500 }];
    expect(classifyHeld(held(1, 500, 'Whatever'), told)).toMatchObject({ origin: 'TOLD', class: { resource: 'users', action: 'updated' } });
    expect(classifyHeld(held(2, 61, 'x'), told)).toMatchObject({ origin: 'KNOWN_EVENT', class: { resource: 'tickets', action: 'updated' } });
    expect(classifyHeld(held(3, 222, 'User updated'), told)).toMatchObject({ origin: 'OBSOLETE', class: null });
    expect(classifyHeld(held(4, 777, 'Ops rule'), told, { class: { resource: 'sites', action: 'deleted' }, classifiedBy: 'DELIVERY' })).toMatchObject({ origin: 'ADOPTED', classifiedBy: 'DELIVERY' });
    expect(classifyHeld(held(5, 778, 'Client Changed'), told)).toMatchObject({ origin: 'ADOPTED', classifiedBy: 'NAME', class: { resource: 'clients', action: 'updated' } });
    expect(classifyHeld(held(6, 779, 'Ops rule'), told)).toMatchObject({ origin: 'UNRECOGNISED', class: null });
    // One we made for a number since withdrawn is ours to remove.
    expect(classifyHeld(held(7, 500, 'halo-sync: contacts updated'), [])).toMatchObject({ origin: 'OBSOLETE' });
  });

  it('judges coverage by what Halo holds and what arrived, never by what was asked for', () => {
    const told = [{ entity: 'companies' as const, action: 'updated' as const, eventNumber: 600 }];
    // Halo holds the ticket events and an admin's "User Changed"; the told 600 is not held yet.
    const views = subscriptionViews([held(1, 3, 'New Ticket Logged'), held(2, 61, 'Ticket updated'), held(3, 901, 'User Changed')], told, new Map());
    expect(views.filter((v) => !v.installed).map((v) => v.eventno)).toEqual([76, 1072, 600]);
    const rows = computeCoverage({ usable: true, subscriptions: views, lastDelivery: new Map([['contacts:updated', new Date()]]), webhookName: 'hook' });
    const state = (e: string, a: string) => rows.find((r) => r.entity === e && r.action === a)!;
    expect(state('contacts', 'updated').state).toBe('REALTIME_CONFIRMED');
    expect(state('opportunities', 'created').state).toBe('SUBSCRIBED');
    expect(state('opportunities', 'deleted').state).toBe('MISSING');
    expect(state('companies', 'updated')).toMatchObject({ state: 'MISSING', fix: expect.stringMatching(/^Repair the webhooks/) });
    expect(state('sites', 'created').fix).toMatch(/"hook" > Events: tick the event for a site being created, or tell us its event number: setHaloWebhookEvents/);
    expect(state('items', 'updated').gap).toMatch(/item-update/);
    // A disabled webhook covers nothing, whatever it holds.
    expect(computeCoverage({ usable: false, subscriptions: views, lastDelivery: new Map(), webhookName: 'hook' }).every((r) => r.state === 'MISSING')).toBe(true);

    expect(entitiesNeedingPolling(rows)).toEqual(['companies', 'sites', 'contacts', 'items', 'opportunities']);
    const { realtime, polled } = describeCoverage(rows, SCHEDULES);
    expect(realtime).toEqual(['contacts: updated', 'opportunities: created, status changes (subscribed in Halo, no delivery seen yet: created, updated)']);
    expect(polled).toContain('contacts created: incremental sync of the entities without real-time coverage, every 5 minutes ("2-59/5 * * * *")');
    expect(polled).toContain('contacts deleted in Halo: noticed by the next full sync (startSync with full: true)');
    expect(polled).toContain('items created, updated (Halo is not known to send an item-update event): incremental sync of the entities without real-time coverage, every 5 minutes ("2-59/5 * * * *")');

    expect(scheduleWords('*/15 * * * *')).toBe('every 15 minutes ("*/15 * * * *")');
    expect(scheduleWords('0 3 * * *')).toBe('"0 3 * * *"');

    const fix = missingRealtimeFix(rows, 'hook', true)!;
    expect(fix).toMatch(/tick the events for a customer \(client\) being created, deleted; a site being created, updated, deleted; a user \(contact\) being created, deleted; an item \(product\) being created, deleted; a ticket \(opportunity\) being deleted\./);
    expect(fix).toMatch(/Repair the webhooks \(repairHaloWebhooks\) to subscribe to the event numbers you told us \(companies updated\)/);
  });

  it('needs no frequent poll for an entity whose every change Halo holds a subscription for', () => {
    const views: SubscriptionView[] = subscriptionViews(
      [held(1, 10, 'User Created'), held(2, 11, 'User Updated'), held(3, 12, 'User Deleted'), ...HALO_TICKET_EVENTS.map((e, i) => held(20 + i, e.eventno, e.name))],
      [],
      new Map(),
    );
    const rows = computeCoverage({ usable: true, subscriptions: views, lastDelivery: new Map(), webhookName: 'hook' });
    expect(entitiesNeedingPolling(rows)).toEqual(['companies', 'sites', 'items']);
  });

  it('validates told event numbers, naming each bad field', () => {
    const { told, errors } = validateToldEvents([
      { entity: 'contacts', action: 'updated', eventNumber: 1.5 },
      { entity: 'people', action: 'updated', eventNumber: 10 },
      { entity: 'contacts', action: 'renamed', eventNumber: 11 },
      { entity: 'items', action: 'created', eventNumber: 1072 },
      { entity: 'items', action: 'deleted', eventNumber: 10 },
      { entity: 'items', action: 'deleted', eventNumber: 12 },
    ]);
    expect(told).toEqual([]);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['events.0.eventNumber', 'INVALID_EVENT_NUMBER'],
      ['events.1.entity', 'UNKNOWN_ENTITY'],
      ['events.2.action', 'UNKNOWN_ACTION'],
      ['events.3.eventNumber', 'KNOWN_TICKET_EVENT'],
      ['events.4.eventNumber', 'DUPLICATE_EVENT_NUMBER'],
      ['events.5', 'DUPLICATE_ENTITY_ACTION'],
    ]);
    expect(validateToldEvents(Array.from({ length: 16 }, (_, i) => ({ entity: 'items', action: 'created', eventNumber: 100 + i }))).errors[0]).toMatchObject({ path: 'events', code: 'TOO_MANY' });
    expect(validateToldEvents([{ entity: 'sites', action: 'deleted', eventNumber: 1421 }])).toEqual({ told: [{ entity: 'sites', action: 'deleted', eventNumber: 1421 }], errors: [] });
  });

  it('the checklist calls webhooks OK only for what Halo holds, and real-time coverage a warning with what to tick', () => {
    const base = {
      tenantWebsite: 'acme.example',
      connection: null,
      settings: { primaryClient: null, productGroups: [], opportunities: null, quoteStatuses: [], productDefaults: { shippingItemId: null, defaultGroupId: null } } as never,
      primaryClientNow: null,
      productGroups: null,
      itemsWithoutGroup: null,
      lastFullSyncAt: null,
    };
    const partial = buildChecklist({ ...base, webhooks: { ok: true, detail: 'covering opportunities', realtime: ['opportunities: created'], polled: ['contacts created'], missingRealtime: 'tick X' } });
    expect(partial.find((c) => c.id === 'webhooks')).toMatchObject({ status: 'OK', detail: 'covering opportunities' });
    expect(partial.find((c) => c.id === 'realtime_coverage')).toMatchObject({ status: 'WARNING', fix: 'tick X' });
    const complete = buildChecklist({ ...base, webhooks: { ok: true, detail: 'all', realtime: ['contacts: created'], polled: ['quotes'], missingRealtime: null } });
    expect(complete.find((c) => c.id === 'realtime_coverage')).toMatchObject({ status: 'OK' });
    const broken = buildChecklist({ ...base, webhooks: { ok: false, detail: 'disabled', realtime: ['contacts: created'], polled: [], missingRealtime: null } });
    expect(broken.find((c) => c.id === 'realtime_coverage')).toMatchObject({ status: 'WARNING', fix: expect.stringMatching(/Install or repair/) });
  });
});
