/** The simulator's tables and how each maps onto a Halo request schema. */
export const TABLES = {
  clients: { schema: 'Area', lastUpdate: 'alastupdate', created: 'datecreated' },
  sites: { schema: 'Site', lastUpdate: 'slastupdate' },
  users: { schema: 'Users', lastUpdate: 'ulastupdate', created: 'datecreated' },
  items: { schema: 'Item', lastUpdate: 'lastmodified', created: 'datecreated' },
  assetGroups: { schema: 'Generic' },
  ticketTypes: { schema: 'RequestType' },
  statuses: { schema: 'TStatus' },
  tickets: { schema: 'Faults', lastUpdate: 'last_update', created: 'datecreated' },
  quotes: { schema: 'QuotationHeader', lastUpdate: 'last_update_time' },
  salesOrders: { schema: 'OrderHead', lastUpdate: 'last_update_time' },
  taxes: { schema: 'Tax' },
  agents: { schema: 'Uname', created: 'datecreated' },
  teams: { schema: 'SectionDetail' },
  categories: { schema: 'CategoryDetail' },
  lookups: { schema: 'Lookup' },
  webhooks: { schema: 'Webhook', uuidIds: true },
  notifications: { schema: 'UnameNotification' },
  webhookEvents: { schema: 'WebhookEvent', uuidIds: true },
} as const satisfies Record<string, { schema: string; lastUpdate?: string; created?: string; uuidIds?: boolean }>;

export type TableName = keyof typeof TABLES;
export type RecordId = number | string;

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export function tableDef(table: TableName): { schema: string; lastUpdate?: string; created?: string; uuidIds?: boolean } {
  return TABLES[table];
}

// Lookup table ids are not here: confirmed ones and the seed's answers to the unknown ones are in `truth.ts`
// (`state.truth.lookupIds`).

/**
 * Billing periods on items (`item_default_billing_period`) and quote lines (`billingperiod`): an enum, not a
 * lookup table (HALO-API.md §9, confirmed by four Halo SQL reports decoding `QDBillingPeriod`).
 */
export const BILLING_PERIODS = {
  oneOff: 0,
  weekly: 1,
  monthly: 2,
  yearly: 3,
  quarterly: 4,
  sixMonthly: 5,
  fiveYearly: 6,
  threeYearly: 7,
  twoYearly: 8,
  fourYearly: 9,
} as const;

/** Halo's built-in closed status (DOTMARC shows status 9 with hasbeenclosed). */
export const CLOSED_STATUS_ID = 9;
