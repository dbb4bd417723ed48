import type { HaloEventResource, HaloWebhookAction } from '../halo';
import type { SyncEntity } from '../sync/entities';

/** The synced entities a Halo webhook can keep current, each with the Halo resource its events are about. */
export const WEBHOOK_ENTITIES = [
  { entity: 'companies', resource: 'clients', halo: 'customer (client)' },
  { entity: 'sites', resource: 'sites', halo: 'site' },
  { entity: 'contacts', resource: 'users', halo: 'user (contact)' },
  { entity: 'items', resource: 'items', halo: 'item (product)' },
  { entity: 'opportunities', resource: 'tickets', halo: 'ticket (opportunity)' },
] as const satisfies readonly { entity: SyncEntity; resource: HaloEventResource; halo: string }[];

export type WebhookEntity = (typeof WEBHOOK_ENTITIES)[number]['entity'];
export const WEBHOOK_ENTITY_NAMES: readonly WebhookEntity[] = WEBHOOK_ENTITIES.map((e) => e.entity);
export const WEBHOOK_ACTIONS: readonly HaloWebhookAction[] = ['created', 'updated', 'deleted'];

/** Which of our synced entities a Halo resource's events refresh. */
export const ENTITY_OF_RESOURCE: Record<HaloEventResource, WebhookEntity> = {
  clients: 'companies',
  sites: 'sites',
  users: 'contacts',
  items: 'items',
  tickets: 'opportunities',
};
export const RESOURCE_OF_ENTITY: Record<WebhookEntity, HaloEventResource> = Object.fromEntries(WEBHOOK_ENTITIES.map((e) => [e.entity, e.resource])) as Record<WebhookEntity, HaloEventResource>;
export const haloWordsFor = (entity: WebhookEntity): string => WEBHOOK_ENTITIES.find((e) => e.entity === entity)!.halo;

/**
 * What the setup guide says Halo does not send, so the scheduled sync covers it even with every event ticked: no
 * item-update event, and ticket (opportunity) updates only on a status change.
 */
export const KNOWN_GAPS: Partial<Record<`${WebhookEntity}:${HaloWebhookAction}`, string>> = {
  'items:updated': 'Halo is not known to send an item-update event',
  'opportunities:updated': 'Halo\'s ticket update events fire on status changes only',
};

/**
 * Subscriptions earlier versions of halo-sync made up (event number and name both invented, HALO-API.md §9):
 * repair removes them from our webhook, and they never count as coverage, whatever Halo does with them. (Their
 * old subscription to 3 under the name "Ticket Status Changed" stays: 3 is Halo's New Ticket Logged, which we want.)
 */
export const OBSOLETE_SUBSCRIPTIONS: readonly { eventno: number; name: string }[] = [
  [201, 'Customer created'], [202, 'Customer updated'], [203, 'Customer deleted'],
  [211, 'Site created'], [212, 'Site updated'], [213, 'Site deleted'],
  [221, 'User created'], [222, 'User updated'], [223, 'User deleted'],
  [231, 'Item created'], [233, 'Item deleted'],
  [1, 'New Ticket Logged'], [62, 'Ticket deleted'],
].map(([eventno, name]) => ({ eventno: eventno as number, name: name as string }));

export const isObsoleteSubscription = (eventno: number | null, name: string): boolean =>
  OBSOLETE_SUBSCRIPTIONS.some((o) => o.eventno === eventno && o.name.toLowerCase() === name.trim().toLowerCase());

export const WEBHOOK_PATH_PREFIX = '/webhooks/halo/';
export const PATH_KEY_PATTERN = /^[A-Za-z0-9_-]{24,64}$/;

/**
 * Halo does not tag webhooks by creator (DJPSA finds its own by name). Ours carry the first characters of the
 * tenant's path key in the name, so two deployments (or two tenants on one Halo) never take each other's webhook,
 * and a webhook whose URL still ends in our path key is ours even if someone renamed it.
 */
export const webhookName = (pathKey: string) => `halo-sync real-time sync [${pathKey.slice(0, 8)}]`;
export const webhookUrl = (publicBaseUrl: string, pathKey: string) => `${publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH_PREFIX}${pathKey}`;
export const WEBHOOK_NOTE = 'Managed by halo-sync (quoting integration): keeps companies, contacts, items and opportunities current. Tick further events here to make more changes real time; repair it from the integration page rather than editing its URL or authentication.';

export function isOurWebhook(hook: { name?: unknown; url?: unknown }, pathKey: string): boolean {
  const name = typeof hook.name === 'string' ? hook.name : '';
  const url = typeof hook.url === 'string' ? hook.url : '';
  return name === webhookName(pathKey) || (name.startsWith('halo-sync') && name.includes(`[${pathKey.slice(0, 8)}]`)) || url.endsWith(`${WEBHOOK_PATH_PREFIX}${pathKey}`);
}

/** The cron schedules in force: everything, opportunities, and entities without real-time coverage. */
export interface SyncSchedules {
  sync: string;
  opportunities: string;
  uncovered: string;
}
