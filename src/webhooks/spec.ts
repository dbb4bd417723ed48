import { HALO_WEBHOOK_EVENTS, type HaloWebhookEventDef } from '../halo';
import type { SyncEntity } from '../sync/entities';

/** The four groups of the setup guide's webhook table, and the Halo events each needs. */
export const WEBHOOK_GROUPS = [
  { group: 'companies', label: 'Companies (clients and sites): create, update, delete', eventnos: [201, 202, 203, 211, 212, 213] },
  { group: 'products', label: 'Products (items): create, delete', eventnos: [231, 233] },
  { group: 'opportunities', label: 'Opportunities (tickets): create, status change, delete', eventnos: [1, 3, 61, 62] },
  { group: 'contacts', label: 'Contacts (users and prospects): create, update, delete', eventnos: [221, 222, 223] },
] as const;

export type WebhookGroup = (typeof WEBHOOK_GROUPS)[number]['group'];

export interface ExpectedSubscription {
  group: WebhookGroup;
  event: HaloWebhookEventDef;
}

export const EXPECTED_SUBSCRIPTIONS: ExpectedSubscription[] = WEBHOOK_GROUPS.flatMap((g) =>
  g.eventnos.map((no) => ({ group: g.group, event: HALO_WEBHOOK_EVENTS.find((e) => e.eventno === no)! })),
);

/** Which of our synced entities a Halo resource's events refresh. */
export const ENTITY_OF_RESOURCE: Record<HaloWebhookEventDef['resource'], SyncEntity> = {
  clients: 'companies',
  sites: 'sites',
  users: 'contacts',
  items: 'items',
  tickets: 'opportunities',
};

export const WEBHOOK_PATH_PREFIX = '/webhooks/halo/';
export const PATH_KEY_PATTERN = /^[A-Za-z0-9_-]{24,64}$/;

/**
 * Halo does not tag webhooks by creator (DJPSA finds its own by name). Ours carry the first characters of the
 * tenant's path key in the name, so two deployments (or two tenants on one Halo) never take each other's webhook,
 * and a webhook whose URL still ends in our path key is ours even if someone renamed it.
 */
export const webhookName = (pathKey: string) => `halo-sync real-time sync [${pathKey.slice(0, 8)}]`;
export const webhookUrl = (publicBaseUrl: string, pathKey: string) => `${publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH_PREFIX}${pathKey}`;
export const WEBHOOK_NOTE = 'Managed by halo-sync (quoting integration): keeps companies, contacts, items and opportunities current. Repair it from the integration page rather than editing it here.';

export function isOurWebhook(hook: { name?: unknown; url?: unknown }, pathKey: string): boolean {
  const name = typeof hook.name === 'string' ? hook.name : '';
  const url = typeof hook.url === 'string' ? hook.url : '';
  return name === webhookName(pathKey) || (name.startsWith('halo-sync') && name.includes(`[${pathKey.slice(0, 8)}]`)) || url.endsWith(`${WEBHOOK_PATH_PREFIX}${pathKey}`);
}

/** The checklist's "what is real time and what is polled", from the schedules in force. */
export function coverage(schedule: { sync: string; opportunities: string }, webhooksOk: boolean) {
  const realtime = webhooksOk
    ? [
        'companies and sites: created, updated, deleted',
        'contacts: created, updated, deleted',
        'items: created, deleted',
        'opportunities: created, status changed, deleted',
      ]
    : [];
  const polled = [
    ...(webhooksOk ? [] : ['everything below the webhooks would cover (they are not working)']),
    `item edits (Halo sends no item-update webhook): incremental sync "${schedule.sync}"`,
    `opportunity edits other than status (type, name, stage, team, agent): opportunity sync "${schedule.opportunities}"`,
    `quotes: incremental sync "${schedule.sync}"`,
  ];
  return { realtime, polled };
}
