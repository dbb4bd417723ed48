/**
 * The one catalogue of Halo facts the product relies on: every lookup id, enum value, event number and field name,
 * each with its grade (HALO-API.md §0/§9, which overrides the older sections).
 *
 * - `confirmed`: seen in code that talks to a real Halo, or in Halo's own SQL; the source is named beside it. Such a
 *   value may be used as a constant.
 * - `spec`: a name in Halo's OpenAPI spec (`../shared/halo/halo-openapi.json`); the name exists, its behaviour is
 *   not proven.
 * - `one-source`: a single third-party source; used, and verified where it is used.
 * - `unknown`: no source. Never silently assumed: it is a per-tenant setting with a safe default (`default` below),
 *   discovered from the tenant (matched by name), and verified where it is used (read back what Halo stored), so a
 *   wrong guess becomes a checklist item or a push error, never quiet wrong data.
 *
 * The client (`src/halo`), the integration settings and checklist (`src/integration`), the webhook installer
 * (`src/webhooks`) and the simulator's defaults (`src/halo-sim/truth.ts`) all read this file. A reader who wants to
 * know what we guess about Halo reads this file and nothing else.
 */

export type HaloFactGrade = 'confirmed' | 'spec' | 'one-source' | 'unknown';

export interface HaloFact<T> {
  value: T;
  grade: HaloFactGrade;
  /** Where the value comes from (or why it is unknown). */
  source: string;
}

const fact = <T>(value: T, grade: HaloFactGrade, source: string): HaloFact<T> => ({ value, grade, source });

// ─── Lookup tables (`GET /api/Lookup?lookupid=N`) ────────────────────────────────────────────────────────────

/**
 * Lookup table ids. Confirmed ids are constants; unknown ids are per-tenant settings (`haloLookupIds` in the
 * integration settings) whose defaults are these values, verified against the table's contents before use.
 */
export const HALO_LOOKUPS = {
  customerType: fact(33, 'confirmed', 'Halo SQL report: `select fvalue from lookup where fid=33 and fcode=acustomertype` (HALO-API.md §9)'),
  quoteStatus: fact(
    39,
    'confirmed',
    'stellarcyber/halopsa-ticket-sync server/src/constants.ts `QuoteStatus: 39`; Halo SQL `fid=39 and fcode=QHstatus` (HALO-API.md §9). 49 is the tech-status table.',
  ),
  countryCode: fact(70, 'unknown', 'no source (HALO-API.md §9: "Country, Region, Pipeline Stage lookup ids: none found")'),
  regionCode: fact(71, 'unknown', 'no source (HALO-API.md §9)'),
  pipelineStage: fact(142, 'unknown', 'no source (HALO-API.md §9; `FAULTS.fpipelinestage` is an int)'),
} as const;

export type HaloLookupName = keyof typeof HALO_LOOKUPS;
/** The lookup ids that are per-tenant settings because no source gives them. */
export const UNKNOWN_LOOKUPS = ['countryCode', 'regionCode', 'pipelineStage'] as const satisfies readonly HaloLookupName[];
export type UnknownLookupName = (typeof UNKNOWN_LOOKUPS)[number];
export type HaloLookupIds = Record<UnknownLookupName, number>;
export const DEFAULT_LOOKUP_IDS: HaloLookupIds = {
  countryCode: HALO_LOOKUPS.countryCode.value,
  regionCode: HALO_LOOKUPS.regionCode.value,
  pipelineStage: HALO_LOOKUPS.pipelineStage.value,
};

/**
 * 49 is Halo's tech (agent) status table, not quote statuses (HALO-API.md §9). We read nothing from it; no unknown
 * lookup id may be set to it (nor to a confirmed table's id).
 */
export const HALO_TECH_STATUS_LOOKUP = fact(49, 'one-source', 'HALO-API.md §9: "Quote Status lookup id 39 (49 is tech status)"');

/** What each lookup table holds, in words an admin recognises in Halo (Configuration > Lookup Codes / Users). */
export const HALO_LOOKUP_TITLES: Record<HaloLookupName, string> = {
  customerType: 'Customer Types',
  quoteStatus: 'Quote Status',
  countryCode: 'Country Codes',
  regionCode: 'Region Codes',
  pipelineStage: 'Pipeline Stages',
};

/**
 * A lookup row's values: `name`, then strings `value2`…`value9` (each with a `valueN_bool` twin), per the spec's
 * `Lookup` schema. Which of them holds a country's 2-letter code, or a region's country code, is unknown (Halo's guide
 * lists name, alpha-2, alpha-3 and numeric): the product finds the column whose values look like 2-letter codes.
 */
export const HALO_LOOKUP_VALUE_FIELDS = fact(
  ['value2', 'value3', 'value4', 'value5', 'value6', 'value7', 'value8', 'value9'] as const,
  'spec',
  'halo-openapi.json Lookup; the alpha-2 column is discovered per table (HALO-API.md §6 Country/Region)',
);

/** In the Quote Status lookup, `fvalue3 = '1'` marks a status that closes the quote (Halo SQL, HALO-API.md §9). */
export const QUOTE_STATUS_CLOSED_FLAG = fact('value3', 'confirmed', 'Halo SQL report: `fvalue3=\'1\'` marks a closed quote status (HALO-API.md §9)');

// ─── Billing period (an enum, not a lookup) ─────────────────────────────────────────────────────────────────

/**
 * `billingperiod` on quote lines and `item_default_billing_period` on items: an enum, confirmed by four Halo SQL
 * reports decoding `QDBillingPeriod` and contract billing periods (HALO-API.md §9).
 */
export const HALO_BILLING_PERIOD = {
  ONE_OFF: 0,
  WEEKLY: 1,
  MONTHLY: 2,
  YEARLY: 3,
  QUARTERLY: 4,
  SIX_MONTHLY: 5,
  FIVE_YEARLY: 6,
  THREE_YEARLY: 7,
  TWO_YEARLY: 8,
  FOUR_YEARLY: 9,
} as const;
export type HaloBillingPeriodName = keyof typeof HALO_BILLING_PERIOD;
const PERIOD_BY_VALUE = new Map<number, HaloBillingPeriodName>(Object.entries(HALO_BILLING_PERIOD).map(([k, v]) => [v, k as HaloBillingPeriodName]));
/** The enum name of a Halo billing period value, or null for a value outside the enum. */
export const billingPeriodName = (value: number | null | undefined): HaloBillingPeriodName | null => (value == null ? null : (PERIOD_BY_VALUE.get(value) ?? null));

// ─── Webhook events ─────────────────────────────────────────────────────────────────────────────────────────

export type HaloEventAction = 'created' | 'updated' | 'deleted';

export interface HaloTicketEventFact {
  eventno: number;
  name: string;
  action: HaloEventAction;
  grade: HaloFactGrade;
  source: string;
}

/**
 * Ticket (and so opportunity) events with public evidence (HALO-API.md §9). Every other entity's event numbers
 * are unknown: we subscribe to none of them by number. They are adopted when an admin ticks them for our webhook
 * in Halo, or set per tenant through the API, and recognised in deliveries by event name and payload key.
 */
export const HALO_TICKET_EVENTS: readonly HaloTicketEventFact[] = [
  { eventno: 3, name: 'New Ticket Logged', action: 'created', grade: 'confirmed', source: 'redanthrax/halopsa-node HaloPsaTrigger.node.ts; django-psa subscribes 3' },
  { eventno: 61, name: 'Ticket updated', action: 'updated', grade: 'confirmed', source: 'django-psa callbacks.py ("Ticket updated"); redanthrax' },
  { eventno: 76, name: 'Ticket Status Changed', action: 'updated', grade: 'one-source', source: 'redanthrax/halopsa-node HaloPsaTrigger.node.ts' },
  { eventno: 1072, name: 'Ticket Deleted', action: 'deleted', grade: 'one-source', source: 'redanthrax/halopsa-node HaloPsaTrigger.node.ts' },
];

/** Client, site, user, item and quote event numbers and names: no public source (HALO-API.md §9). */
export const NON_TICKET_EVENTS = fact(null, 'unknown', 'no public catalogue; `GET /api/Event` is undocumented (HALO-API.md §9)');

/**
 * The key of the entity object inside a delivery: `ticket` is confirmed (DOTMARC, DJPSA); for other entities the
 * entity name is presumed (HALO-API.md §4.2, "unverified"), so a delivery is also recognised by its event name.
 */
export const HALO_PAYLOAD_KEYS = {
  tickets: fact('ticket', 'confirmed', 'DOTMARC HaloWebhookEndpointTests.cs; django-psa views.py data["ticket"]'),
  clients: fact('client', 'unknown', 'presumed from the ticket form (HALO-API.md §4.2)'),
  sites: fact('site', 'unknown', 'presumed (HALO-API.md §4.2)'),
  users: fact('user', 'unknown', 'presumed (HALO-API.md §4.2)'),
  items: fact('item', 'unknown', 'presumed (HALO-API.md §4.2)'),
} as const;

/**
 * Record ids (and so a delivery's `object_id`) are 32-bit integers: 1 … 2147483647. A larger `object_id` cannot name
 * a Halo record, so such a delivery is refused as malformed (it would not fit our `integer` id columns either).
 */
export const HALO_MAX_RECORD_ID = fact(2_147_483_647, 'spec', 'halo-openapi.json: `id` is integer/int32 on Faults, Users, Area, Site, Item');

/** A subscription that delivers to a webhook: `POST /api/Notification` `{type:-2, delivery_method:6, filter_type:2}`. */
export const HALO_NOTIFICATION = {
  type: fact(-2, 'confirmed', 'django-psa callbacks.py; redanthrax'),
  deliveryMethod: fact(6, 'confirmed', 'django-psa callbacks.py; redanthrax'),
  filterType: fact(2, 'confirmed', 'django-psa callbacks.py'),
} as const;

/**
 * `Webhook.payload_type`: the meaning of its values is unknown (only the order of options in Halo's guide). We
 * never depend on it: every delivery is refetched by `object_id`, whatever the payload carries.
 */
export const HALO_PAYLOAD_TYPE = fact(0, 'unknown', 'only the order of options in Halo\'s guide (HALO-API.md §9); we refetch every delivery by object_id');

/** `Webhook.authentication_type` 3 + `Token: base64(HMAC-SHA256(basic_password, body))`: one source, conflicting enum. */
export const HALO_WEBHOOK_SIGNED_BODY_AUTH = fact(3, 'one-source', 'django-psa views.py (commit abd5695); redanthrax\'s enum calls 3 "API Key" (HALO-API.md §4.2)');

// ─── Quotation and item fields ──────────────────────────────────────────────────────────────────────────────

/**
 * Quote line fields. `item_id, name, baseprice, costprice, billingperiod, item_recurring, isgroupdesc, group_id,
 * item_tax_code, nominal_code, sort_seq` are in the spec and homotechsual/HaloAPI Data/Templates/Quote.json
 * (confirmed). The quantity and unit-price names are not (HALO-API.md §9): we send the names the evidence supports
 * and read the quotation back after every write; a difference fails the push with HALO_STORED_DIFFERENTLY.
 * An admin whose Halo reads other names sets them per tenant (integration settings `haloQuoteLineFields`).
 */
export const HALO_QUOTE_LINE_FIELDS = {
  quantity: fact(['quantity'], 'unknown', 'older homotechsual template `quantity`; DB column QDQuantity; absent from the current spec'),
  unitPrice: fact(['baseprice', 'price'], 'unknown', 'older template `price` and `baseprice`; DB column QDPrice; absent from the current spec'),
} as const;

/**
 * `GET /api/Item?assetgroups=1,2,3`: items of several asset groups in one list ("Filter Items on asset groups,
 * comma seperated ids"); `assetgroup_id` takes one group. The sync lists items from the product groups with it;
 * every item returned is still checked against the product groups, so a Halo that ignored it costs requests, not
 * data.
 */
export const HALO_ITEM_GROUPS_FILTER = fact('assetgroups', 'spec', 'halo-openapi.json GET /Item parameters assetgroups (csv) and assetgroup_id (int)');

/**
 * Quote line fields whose meaning is confirmed (spec; homotechsual/HaloAPI Data/Templates/Quote.json), each sent
 * for its own purpose: none of them can be the quantity or unit-price field, except `baseprice`, a unit-price
 * candidate. `id` and `qhid` (spec) identify the line and its quotation.
 */
export const HALO_QUOTE_LINE_KNOWN_FIELDS = fact(
  ['id', 'qhid', 'item_id', 'name', 'baseprice', 'costprice', 'billingperiod', 'item_recurring', 'isgroupdesc', 'group_id', 'item_tax_code', 'nominal_code', 'sort_seq'],
  'confirmed',
  'halo-openapi.json QuotationDetail; homotechsual/HaloAPI Data/Templates/Quote.json (HALO-API.md §9)',
);

/** Item recurring fields (spec): `isrecurringitem, recurringprice, recurringcost, item_default_billing_period`. */
export const HALO_ITEM_RECURRING_FIELDS = fact(['isrecurringitem', 'recurringprice', 'recurringcost', 'item_default_billing_period'], 'spec', 'halo-openapi.json Item');

/**
 * A ticket category's name (`/api/Category`, schema CategoryDetail): the spec has two nullable strings, `value` and
 * `category_name`, and says neither which one Halo fills nor what the other holds. `value` is the category text in
 * Halo's own lookup rows (`fvalue`), so it is read first, `category_name` when it is empty; never a name of our own.
 */
export const HALO_CATEGORY_NAME_FIELDS = fact(['value', 'category_name'] as const, 'spec', 'halo-openapi.json CategoryDetail.value / .category_name');

/**
 * An item without a product group: `assetgroup_id` is a nullable int32 in the spec, and Halo's integer ids use 0 for
 * "none" (as `user_id`, `site_id`). Null, 0 and negatives all read as "no group".
 */
export const HALO_ITEM_NO_GROUP = fact([null, 0] as const, 'spec', 'halo-openapi.json Item.assetgroup_id (nullable int32); 0 as "none" like the other integer ids');

/** Each client's placeholder contact "General User"; `exclude_generaluser=true` on `/api/Users` leaves them out. */
export const HALO_GENERAL_USER = {
  name: fact('General User', 'confirmed', 'Halo UI; spec parameter exclude_generaluser (HALO-API.md §9)'),
  excludeParam: fact('exclude_generaluser', 'spec', 'halo-openapi.json GET /Users'),
} as const;

// ─── Rate limits and paging ─────────────────────────────────────────────────────────────────────────────────

/** Hosted Halo: 300 requests per rolling 5 minutes (two sources; one says 450): the rate governor's default budget. */
export const HALO_RATE_LIMIT = fact({ max: 300, windowMs: 300_000 }, 'confirmed', 'KelvinTegelaar/PowerShellWarrantyReports#51; homotechsual/HaloAPI#31 (hosted); must be configurable');

/** `/Tickets` and `/Opportunities` return at most 100 rows a page (1000 asked → 100): the page size every list asks for. */
export const HALO_TICKET_PAGE_CAP = fact(100, 'confirmed', 'spec; homotechsual/HaloAPI#90');
