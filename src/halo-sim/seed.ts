/**
 * Deterministic tenant data. Reference data (settings, lookups, statuses, types, groups, taxes, agents, teams) is
 * the same at every scale; business records scale with `demo`/`large`. The pathologies real tenants have are
 * planted on purpose: items without a product group or in a group not marked "Use for Items", inactive
 * customers, contacts and items, prospects, monthly and annual recurring items, unicode and very long names,
 * duplicate contact emails, and sites without a country.
 */
import { EMPTY_DATE, SEED_EPOCH, haloDate } from './clock';
import { Prng } from './prng';
import { HaloState } from './state';
import { BILLING_PERIODS, CLOSED_STATUS_ID } from './tables';
import { TECH_STATUS_LOOKUP_ID } from './truth';
import { HaloRecord } from './wire';

export type SimScale = 'empty' | 'demo' | 'large';

const SIZES: Record<SimScale, { clients: number; contacts: number; items: number; opportunities: number; tickets: number; quotes: number }> = {
  empty: { clients: 0, contacts: 0, items: 0, opportunities: 0, tickets: 0, quotes: 0 },
  demo: { clients: 25, contacts: 80, items: 60, opportunities: 40, tickets: 15, quotes: 6 },
  large: { clients: 10_000, contacts: 50_000, items: 5_000, opportunities: 20_000, tickets: 2_000, quotes: 2_000 },
};

/**
 * The MSP's own company ("primary client" in the product's setup guide): its website matches the demo tenant's.
 * Deliberately not id 1, so a client that assumes "first customer = us" fails.
 */
export const PRIMARY_CLIENT = { id: 12, name: 'Acme Managed Services', website: 'acme.example' } as const;

/** The agent the default application logs in as (an API-only agent, active). */
export const API_AGENT_ID = 3;
/** The name Halo gives each client's placeholder contact (`Control.generalusername` may rename it). */
export const GENERAL_USER_NAME = 'General User';

export const AGENTS = [
  { id: 1, name: 'Unassigned', firstname: 'Unassigned', surname: '', email: '', team: '', isapiagent: false },
  { id: 2, name: 'Alice Admin', firstname: 'Alice', surname: 'Admin', email: 'alice@acme.example', team: 'Service Desk', isapiagent: false },
  { id: API_AGENT_ID, name: 'Quoting Integration', firstname: 'Quoting', surname: 'Integration', email: 'api@acme.example', team: 'Sales', isapiagent: true },
  { id: 4, name: 'Sam Sales', firstname: 'Sam', surname: 'Sales', email: 'sam@acme.example', team: 'Sales', isapiagent: false },
  { id: 5, name: 'Priya Patel', firstname: 'Priya', surname: 'Patel', email: 'priya@acme.example', team: 'Account Management', isapiagent: false },
  { id: 6, name: 'Tom Tech', firstname: 'Tom', surname: 'Tech', email: 'tom@acme.example', team: 'Service Desk', isapiagent: false },
  { id: 7, name: 'Ian Inactive', firstname: 'Ian', surname: 'Inactive', email: 'ian@acme.example', team: 'Sales', isapiagent: false, isdisabled: true },
];

const TEAMS = [
  { id: 1, name: 'Service Desk', forrequests: true, foropps: false, forprojects: false },
  { id: 2, name: 'Sales', forrequests: false, foropps: true, forprojects: false },
  { id: 3, name: 'Projects', forrequests: false, foropps: false, forprojects: true },
  { id: 4, name: 'Account Management', forrequests: true, foropps: true, forprojects: false },
];

/** `type`: the simulator reads 0 as open, 1 as on hold, 2 as closed; `domain` says which area uses the status. */
const STATUSES = [
  { id: 1, name: 'New', type: 0, domain: 'reqs' },
  { id: 2, name: 'In Progress', type: 0, domain: 'reqs' },
  { id: 3, name: 'Waiting on Customer', type: 1, domain: 'reqs' },
  { id: CLOSED_STATUS_ID, name: 'Closed', type: 2, domain: 'reqs' },
  { id: 20, name: 'Open Lead', type: 0, domain: 'opps' },
  { id: 21, name: 'Qualifying', type: 0, domain: 'opps' },
  { id: 22, name: 'Proposal Sent', type: 0, domain: 'opps' },
  { id: 23, name: 'Negotiation', type: 1, domain: 'opps' },
  { id: 24, name: 'Won', type: 2, domain: 'opps' },
  { id: 25, name: 'Lost', type: 2, domain: 'opps' },
];
const OPEN_OPP_STATUSES = [20, 21, 22, 23];

const TICKET_TYPES = [
  { id: 1, name: 'Incident', use: 'reqs', initial_status: 1, default_team: 'Service Desk', visible: true },
  { id: 2, name: 'Service Request', use: 'reqs', initial_status: 1, default_team: 'Service Desk', visible: true },
  { id: 3, name: 'Change', use: 'reqs', initial_status: 1, default_team: 'Projects', visible: true },
  { id: 32, name: 'Opportunity', use: 'opps', initial_status: 20, default_team: 'Sales', visible: true },
  { id: 33, name: 'Renewal', use: 'opps', initial_status: 21, default_team: 'Account Management', visible: true },
  { id: 34, name: 'Legacy Deal', use: 'opps', initial_status: 20, default_team: 'Sales', visible: false },
];

const PIPELINE_STAGES = ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];

/**
 * Quote statuses (lookup 39). `closed`: System use = Closed (moves quotes to Closed Quotes), which Halo's SQL stores as
 * `fvalue3 = '1'` (HALO-API.md §9) and the API serialises as the string `value3` (spec `Lookup.value3: string`).
 */
const QUOTE_STATUSES = [
  { name: 'Draft', closed: false },
  { name: 'Sent', closed: false },
  { name: 'Approved', closed: true },
  { name: 'Declined', closed: true },
  { name: 'Expired', closed: true },
];
export const QUOTE_STATUS = { draft: 1, sent: 2, approved: 3, declined: 4, expired: 5 } as const;

export const CUSTOMER_TYPES = { customer: 1, prospect: 2, partner: 3 } as const;

/** Agent (tech) statuses, lookup 49: ids overlap the quote statuses', so a client reading 49 for them gets these names. */
const TECH_STATUSES = ['Available', 'Busy', 'Away', 'In a Meeting', 'Offline'];

const COUNTRIES: [string, string, string, string, string[]][] = [
  ['United Kingdom', 'GB', 'GBR', '826', ['England', 'Scotland', 'Wales', 'Northern Ireland']],
  ['United States', 'US', 'USA', '840', ['California', 'New York', 'Texas', 'Washington']],
  ['Netherlands', 'NL', 'NLD', '528', ['Noord-Holland', 'Zuid-Holland', 'Utrecht']],
  ['Germany', 'DE', 'DEU', '276', ['Bayern', 'Berlin']],
  ['France', 'FR', 'FRA', '250', ['Île-de-France']],
  ['Ireland', 'IE', 'IRL', '372', []],
  ['Australia', 'AU', 'AUS', '036', ['New South Wales', 'Victoria']],
  ['Canada', 'CA', 'CAN', '124', ['Ontario', 'Québec']],
  ['Belgium', 'BE', 'BEL', '056', []],
];

const TAXES = [
  { id: 1, name: 'Standard VAT', code: 'S', value: 20 },
  { id: 2, name: 'Reduced VAT', code: 'R', value: 5 },
  { id: 3, name: 'Zero Rated', code: 'Z', value: 0 },
  { id: 4, name: 'Exempt', code: 'E', value: 0 },
  { id: 5, name: 'US Sales Tax (CA)', code: 'CA', value: 7.25 },
];

interface GroupSeed {
  id: number;
  name: string;
  showasitem: boolean;
  nominalcode: string;
  recurring?: number;
  products: [string, number, number][];
}

/** [product name, min price, max price] per group; `recurring` is the group's default billing period. */
const GROUPS: GroupSeed[] = [
  { id: 1, name: 'Hardware', showasitem: true, nominalcode: '4000', products: [['Laptop 14"', 800, 1800], ['Desktop PC', 600, 1400], ['Monitor 27"', 180, 450], ['Firewall Appliance', 500, 3000], ['Switch 24-port', 200, 1200], ['Wireless Access Point', 90, 400]] },
  { id: 2, name: 'Software Licences', showasitem: true, nominalcode: '4100', recurring: BILLING_PERIODS.monthly, products: [['Antivirus Endpoint', 2, 8], ['Backup Agent', 5, 25], ['Password Manager', 2, 6], ['PDF Editor', 8, 20]] },
  { id: 3, name: 'Managed Services', showasitem: true, nominalcode: '4200', recurring: BILLING_PERIODS.monthly, products: [['Managed Workstation', 20, 60], ['Managed Server', 80, 250], ['Managed Network', 50, 300], ['Service Desk Seat', 25, 90]] },
  { id: 4, name: 'Professional Services', showasitem: true, nominalcode: '4300', products: [['Onboarding', 500, 3000], ['Project Hour', 80, 160], ['Site Survey', 250, 900], ['Migration Day', 700, 1400]] },
  { id: 5, name: 'Workstations', showasitem: false, nominalcode: '', products: [] },
  { id: 6, name: 'Servers', showasitem: false, nominalcode: '', products: [] },
  { id: 7, name: 'Cloud & Microsoft 365', showasitem: true, nominalcode: '4150', recurring: BILLING_PERIODS.yearly, products: [['Microsoft 365 Business Basic', 5, 7], ['Microsoft 365 Business Premium', 18, 24], ['Azure Reserved Instance', 300, 2400], ['Exchange Online Plan 1', 3, 5]] },
  { id: 8, name: 'Accessoires & Périphériques', showasitem: true, nominalcode: '4010', products: [['Clavier sans fil', 20, 80], ['Souris ergonomique', 15, 60], ['Casque USB-C', 40, 150]] },
  { id: 9, name: 'Legacy Products', showasitem: false, nominalcode: '4900', products: [['Legacy Support Contract', 100, 500], ['Tape Backup Unit', 300, 900]] },
];

const COMPANY_A = ['Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Woodgrove', 'Litware', 'Adatum', 'Proseware', 'Wingtip', 'Fourth Coffee', 'Blue Yonder', 'Alpine', 'Coho', 'Lucerne', 'Margie', 'Humongous', 'Trey', 'Wide World', 'Graphic', 'Southridge'];
const COMPANY_B = ['Traders', 'Logistics', 'Dental', 'Legal', 'Engineering', 'Accountants', 'Holdings', 'Foods', 'Architects', 'Clinic', 'Retail', 'Media', 'Partners', 'Energy', 'Labs'];
const COMPANY_C = ['Ltd', 'LLC', 'BV', 'GmbH', 'Inc', 'plc', 'Pty Ltd', 'SARL', ''];
const UNICODE_COMPANIES = ['Société Générale d’Électricité', 'Müller & Söhne Präzisionstechnik', '株式会社サンプル商事', 'Øresund Bygg ApS', 'Ça Marche — Café & Co', 'Zürich Ärzte AG 🏥'];
const FIRST = ['Olivia', 'Noah', 'Emma', 'Liam', 'Ava', 'Lucas', 'Mia', 'Finn', 'Sophie', 'James', 'Zoë', 'José', 'Anaïs', 'Björn', 'Siobhán', 'Mateo', 'Priya', 'Chen', 'Fatima', 'Jan'];
const LAST = ['Smith', 'Jones', 'de Vries', 'Müller', 'García', 'Taylor', 'Brown', 'Jansen', "O'Connor", 'Nguyen', 'Kowalski', 'Dubois', 'Rossi', 'Khan', 'Andersson'];
const STREETS = ['High Street', 'Station Road', 'Main Street', 'Keizersgracht', 'Bahnhofstraße', 'Rue de Rivoli', 'Church Lane', 'Market Square'];
const CITIES = ['London', 'Manchester', 'Amsterdam', 'Rotterdam', 'Berlin', 'Paris', 'New York', 'Austin', 'Sydney', 'Toronto', 'Dublin', 'Brussels'];
const LONG_SUFFIX = ' International Holdings and Consolidated Managed Infrastructure Services Group of Companies (Europe, Middle East and Africa Division)';

function lookupRow(lookupid: number, id: number, name: string, extra: HaloRecord = {}): HaloRecord {
  return { lookupid, id, name, inactive: false, ...extra };
}

export function seedReference(state: HaloState): void {
  state.settings = {
    id: 1, show_pipeline_stages: true, default_pipeline_stage: 1, default_opp_tickettype_id: 32, enablequoteapprovals: false,
    quotemarginforapproval: 0, create_so_on_quote_approved: false, oppvalue_from_quote: true, quoteexpirydays: 30,
    move_quote_to_closed_on_so_creation: true, itemnamesunique: false, createnewitemsfromquotes: false,
    default_showinternalcustomers: true, autogenerate_itemaccountsid: false,
  };
  // Confirmed ids (33, 39) and the seed's answers for the unknown ones (country, region, pipeline stage): truth.ts.
  const ids = state.truth.lookupIds;
  const rows: HaloRecord[] = [
    ...Object.entries(CUSTOMER_TYPES).map(([name, id]) => lookupRow(ids.customerType, id, name[0]?.toUpperCase() + name.slice(1))),
    ...QUOTE_STATUSES.map((s, i) => lookupRow(ids.quoteStatus, i + 1, s.name, { value3: s.closed ? '1' : '0' })),
    ...TECH_STATUSES.map((name, i) => lookupRow(TECH_STATUS_LOOKUP_ID, i + 1, name)),
    ...PIPELINE_STAGES.map((name, i) => lookupRow(ids.pipelineStage, i + 1, name)),
  ];
  let regionId = 1;
  COUNTRIES.forEach(([name, alpha2, alpha3, numeric, regions], i) => {
    rows.push(lookupRow(ids.countryCode, i + 1, name, { value2: alpha2, value3: alpha3, value4: numeric }));
    for (const region of regions) rows.push(lookupRow(ids.regionCode, regionId++, region, { value2: alpha2 }));
  });
  for (const row of rows) state.load('lookups', row);
  for (const t of TAXES) state.load('taxes', { ...t, is_composite: false });
  for (const t of TEAMS) state.load('teams', { ...t, inactive: false });
  for (const a of AGENTS) state.load('agents', { isdisabled: false, is_agent: true, ...a });
  for (const s of STATUSES) state.load('statuses', { ...s, shortname: s.name.slice(0, 4), sequence: s.id, colour: '#2a7ab0' });
  for (const t of TICKET_TYPES) {
    const opp = t.use === 'opps';
    state.load('ticketTypes', {
      ...t, group_id: opp ? 2 : 1, enduserscanselect: !opp, workflow_id: opp ? 2 : 1, allowall_status: !opp,
      allowed_status: opp ? STATUSES.filter((s) => s.domain === 'opps').map((s) => ({ status_id: s.id, status_name: s.name })) : [],
    });
  }
  for (const g of GROUPS) {
    state.load('assetGroups', {
      id: g.id, name: g.name, showasitem: g.showasitem, showasequip: !g.showasitem || g.id === 1, nominalcode: g.nominalcode,
      nominalcodepurchase: g.nominalcode ? `5${g.nominalcode.slice(1)}` : '', tax_id: g.id === 8 ? 2 : 1, tax_id_purchase: 1,
      item_recurring_default: g.recurring !== undefined, item_billing_period_default: g.recurring ?? 0,
      item_donttrackstock_default: g.recurring !== undefined, item_contract_default: false, sequence: g.id,
    });
  }
  const categories = [['Hardware', 1], ['Software', 1], ['Network', 1], ['Account', 1], ['New Business', 2], ['Upsell', 2], ['Renewal', 2]] as const;
  categories.forEach(([value, type], i) => state.load('categories', { id: i + 1, value, category_name: value, type_id: type }));
}

/** Seeds one tenant at the given scale; the same seed always produces the same records. */
export function seedTenant(state: HaloState, scale: SimScale, seed: number): void {
  seedReference(state);
  const size = SIZES[scale];
  if (size.clients === 0) return;
  const rng = new Prng(seed);
  const day = 86_400_000;
  const stamp = () => {
    const created = SEED_EPOCH - rng.int(30, 900) * day - rng.int(0, day);
    const updated = Math.min(SEED_EPOCH - 1000, created + rng.int(0, 600) * day + rng.int(0, day));
    return { created: haloDate(created), updated: haloDate(updated) };
  };
  const regionsOf = new Map<string, number[]>();
  for (const row of state.tables.lookups.values()) {
    if (row.lookupid === state.truth.lookupIds.regionCode) regionsOf.set(row.value2 as string, [...(regionsOf.get(row.value2 as string) ?? []), row.id as number]);
  }

  const clientSites = new Map<number, number[]>();
  let siteId = 1;
  for (let id = 1; id <= size.clients; id++) {
    const t = stamp();
    const primary = id === PRIMARY_CLIENT.id;
    const prospect = !primary && rng.chance(0.15);
    let name: string = primary ? PRIMARY_CLIENT.name : `${rng.pick(COMPANY_A)} ${rng.pick(COMPANY_B)} ${rng.pick(COMPANY_C)}`.trim();
    if (!primary && id % 97 === 5) name = rng.pick(UNICODE_COMPANIES);
    if (!primary && id % 131 === 7) name += LONG_SUFFIX;
    if (scale === 'large' && !primary) name = `${name} ${id}`;
    const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '').slice(0, 20) || `client${id}`;
    state.load('clients', {
      id, name, inactive: !primary && rng.chance(0.08), toplevel_id: 1, toplevel_name: 'Customers',
      website: primary ? PRIMARY_CLIENT.website : rng.pick(['', `https://www.${slug}.example`, `${slug}.example`, `http://${slug}.example/`]),
      notes: '', customertype: prospect ? CUSTOMER_TYPES.prospect : CUSTOMER_TYPES.customer, is_account: prospect, isopportunity: prospect ? 1 : 0,
      is_vip: rng.chance(0.05), taxable: true, item_tax_code: 1, accountsid: rng.chance(0.5) ? `CUST${String(id).padStart(5, '0')}` : '',
      ref: '', datecreated: t.created, alastupdate: t.updated, main_site_id: siteId, customfields: [],
    });
    const siteCount = scale === 'large' ? (id % 5 === 0 ? 2 : 1) : rng.int(1, 2);
    const sites: number[] = [];
    for (let s = 0; s < siteCount; s++, siteId++) {
      const country = id === PRIMARY_CLIENT.id ? COUNTRIES[0] : rng.chance(0.1) ? undefined : rng.pick(COUNTRIES);
      const regions = country ? (regionsOf.get(country[1]) ?? []) : [];
      const street = `${rng.int(1, 250)} ${rng.pick(STREETS)}`;
      const city = rng.pick(CITIES);
      state.load('sites', {
        id: siteId, name: s === 0 ? 'Main' : rng.pick(['Head Office', 'Warehouse', 'Branch Office', 'Data Centre']), client_id: id,
        inactive: s > 0 && rng.chance(0.1), phonenumber: `+44 20 7946 ${String(rng.int(0, 9999)).padStart(4, '0')}`, timezone: 'GMT Standard Time',
        isinvoicesite: s === 0, invoice_address_isdelivery: true, country_code: country?.[1] ?? '', region_code: regions.length ? rng.pick(regions) : 0,
        delivery_address: { id: siteId, line1: street, line2: '', line3: city, line4: '', postcode: `${rng.int(1000, 9999)} ${String.fromCharCode(65 + rng.int(0, 25))}${String.fromCharCode(65 + rng.int(0, 25))}`, primary: true, site_id: siteId },
        notes: '', slastupdate: stamp().updated,
      });
      sites.push(siteId);
    }
    clientSites.set(id, sites);
  }

  const emails: string[] = [];
  for (let id = 1; id <= size.contacts; id++) {
    const clientId = ((id - 1) % size.clients) + 1;
    const client = state.get('clients', clientId) as HaloRecord;
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const domain = String(client.website || 'example.com').replace(/^https?:\/\/(www\.)?/, '').replace(/\/$/, '');
    const duplicate = emails.length > 0 && rng.chance(0.02);
    const email = duplicate ? rng.pick(emails) : `${first}.${last}${id}`.toLowerCase().normalize('NFKD').replace(/[^a-z0-9.]/g, '') + `@${domain}`;
    emails.push(email);
    const t = stamp();
    state.load('users', {
      id, firstname: first, surname: id % 211 === 3 ? `${last}-${LAST.join('-')}` : last, name: '', emailaddress: rng.chance(0.04) ? '' : email,
      phonenumber: `+44 7700 ${String(rng.int(0, 999999)).padStart(6, '0')}`, mobilenumber: '', title: rng.pick(['', 'IT Manager', 'Director', 'Office Manager', 'CFO']),
      site_id: rng.pick(clientSites.get(clientId) ?? [0]), inactive: rng.chance(0.05), isimportantcontact: id <= size.clients,
      is_prospect: client.is_account === true, isserviceaccount: false, datecreated: t.created, ulastupdate: t.updated, notes: '',
    });
  }

  // Every client has a placeholder contact "General User" on its main site (HALO-API.md §9). No random draws here,
  // so the rest of the data is what it was before they existed.
  let userId = size.contacts + 1;
  for (const [clientId, sites] of clientSites) {
    const client = state.get('clients', clientId) as HaloRecord;
    state.load('users', {
      id: userId, firstname: 'General', surname: 'User', name: GENERAL_USER_NAME, emailaddress: '', phonenumber: '', mobilenumber: '', title: '',
      site_id: sites[0] ?? 0, inactive: false, isimportantcontact: false, is_prospect: client.is_account === true, isserviceaccount: false,
      datecreated: client.datecreated, ulastupdate: client.datecreated, notes: '',
    });
    state.generalUsers.add(userId++);
  }

  const itemGroups = GROUPS.filter((g) => g.products.length);
  for (let id = 1; id <= size.items; id++) {
    const group = itemGroups[(id - 1) % itemGroups.length] as GroupSeed;
    const [base, min, max] = rng.pick(group.products);
    const ungrouped = id % 20 === 7;
    const recurring = group.recurring !== undefined && !(id % 13 === 0);
    const period = recurring ? (id % 11 === 0 ? BILLING_PERIODS.yearly : id % 17 === 0 ? BILLING_PERIODS.quarterly : (group.recurring as number)) : BILLING_PERIODS.oneOff;
    const price = rng.money(min, max);
    const cost = Math.round(price * rng.int(40, 85)) / 100;
    let name = `${base}${scale === 'large' || id > group.products.length * 2 ? ` ${id}` : rng.chance(0.5) ? '' : ` ${rng.pick(['Pro', 'Plus', 'Standard', 'Lite'])}`}`;
    if (id % 29 === 3) name = `${name} — édition spéciale ✓ ${'Extended Warranty Bundle '.repeat(4).trim()}`;
    const t = stamp();
    state.load('items', {
      id, name, description: `${base} (${group.name})`, note: '', internalreference: `SKU-${String(id).padStart(5, '0')}`, externalreference: '',
      supplier_part_code: rng.chance(0.7) ? `SP-${rng.int(10000, 99999)}` : '', assetgroup_id: ungrouped ? 0 : group.id,
      baseprice: recurring ? 0 : price, costprice: recurring ? 0 : cost, recurringprice: recurring ? price : 0, recurringcost: recurring ? cost : 0,
      isrecurringitem: recurring, item_default_billing_period: period, taxcode: group.id === 8 ? 2 : 1, taxcodeother: 1,
      nominalcode: id % 7 === 0 ? '' : group.nominalcode, purchasenominalcode: group.nominalcode ? `5${group.nominalcode.slice(1)}` : '',
      accountsid: '', supplier_id: 0, dont_track_stock: recurring, iscontractitem: false, taxable: true, inactive: id % 31 === 0,
      datecreated: t.created, lastmodified: t.updated, customfields: [],
    });
  }

  const openClients = [...state.tables.clients.values()].filter((c) => c.inactive !== true);
  const contactOf = new Map<unknown, HaloRecord>();
  for (const user of state.tables.users.values()) if (!contactOf.has(user.client_id)) contactOf.set(user.client_id, user);
  const ticketCount = size.opportunities + size.tickets;
  for (let id = 1; id <= ticketCount; id++) {
    const opp = id <= size.opportunities;
    const client = rng.pick(openClients);
    const sites = clientSites.get(client.id as number) ?? [];
    const site = rng.pick(sites);
    const type = opp ? (id % 9 === 0 ? 33 : id % 37 === 0 ? 34 : 32) : rng.int(1, 3);
    const status = opp ? (rng.chance(0.25) ? rng.pick([24, 25]) : rng.pick(OPEN_OPP_STATUSES)) : rng.chance(0.3) ? CLOSED_STATUS_ID : rng.int(1, 3);
    const closed = status === 24 || status === 25 || status === CLOSED_STATUS_ID;
    const t = stamp();
    const stage = status === 24 ? 5 : status === 25 ? 6 : rng.int(1, 4);
    state.load('tickets', {
      id, summary: opp ? `${client.name as string} – ${rng.pick(['managed services', 'hardware refresh', 'M365 migration', 'renewal', 'firewall upgrade'])}` : rng.pick(['Printer offline', 'Password reset', 'VPN not connecting', 'New starter setup']),
      details: '', tickettype_id: type, status_id: status, priority_id: rng.int(1, 4), client_id: client.id, site_id: site, user_id: contactOf.get(client.id)?.id ?? 0,
      agent_id: opp ? rng.pick([4, 5]) : rng.pick([1, 2, 6]), team: opp ? rng.pick(['Sales', 'Account Management']) : 'Service Desk',
      dateoccurred: t.created, datecreated: t.created, last_update: t.updated, lastactiondate: t.updated, hasbeenclosed: closed,
      dateclosed: closed ? t.updated : EMPTY_DATE, deleted: id % 53 === 0, pipeline_stage_id: opp ? stage : 0,
      oppvalue: opp ? rng.money(500, 50_000) : 0, oppconversionprobability: opp ? rng.pick([10, 25, 50, 75, 90]) : 0,
      opptype: opp ? rng.pick(['New Business', 'Upsell', 'Renewal']) : '', oppcompanyname: opp ? client.name : '', category_1: opp ? 'New Business' : 'Hardware',
      customfields: [],
    });
  }

  const items = [...state.tables.items.values()].filter((i) => i.inactive !== true);
  // Lines hold their quantity and unit price under the names this Halo uses (drawn from the seed: truth.ts).
  const { quoteLineQuantityField: qtyField, quoteLineUnitPriceField: priceField } = state.truth;
  let lineId = 1;
  for (let id = 1; id <= size.quotes; id++) {
    const ticket = state.get('tickets', ((id * 7) % size.opportunities) + 1) as HaloRecord;
    const lines = Array.from({ length: rng.int(1, 4) }, (_, i) => {
      const item = rng.pick(items);
      const recurring = item.isrecurringitem === true;
      return {
        id: lineId++, qhid: id, sort_seq: i + 1, item_id: item.id, name: item.name, [qtyField]: rng.int(1, 25),
        [priceField]: recurring ? item.recurringprice : item.baseprice, costprice: recurring ? item.recurringcost : item.costprice,
        item_tax_code: item.taxcode, nominal_code: item.nominalcode, item_recurring: recurring, billingperiod: item.item_default_billing_period,
      } as HaloRecord;
    });
    for (const line of lines) {
      line.net_total = Math.round((line[qtyField] as number) * (line[priceField] as number) * 100) / 100;
      const rate = TAXES.find((t) => t.id === line.item_tax_code)?.value ?? 0;
      line.total_tax = Math.round((line.net_total as number) * rate) / 100;
      line.total_price = Math.round(((line.net_total as number) + (line.total_tax as number)) * 100) / 100;
    }
    const status = rng.pick(Object.values(QUOTE_STATUS));
    state.load('quotes', {
      id, title: `Quote for ${ticket.summary as string}`, ticket_id: ticket.id, client_id: ticket.client_id, site_id: ticket.site_id, user_id: ticket.user_id,
      agent_id: ticket.agent_id, status, date: stamp().created, expiry_date: EMPTY_DATE, note: '', salesorder_id: 0, last_update_time: stamp().updated, lines,
    });
  }
  for (const quote of state.tables.quotes.values()) {
    if (quote.status !== QUOTE_STATUS.approved) continue;
    const id = state.tables.salesOrders.size + 1;
    quote.salesorder_id = id;
    state.load('salesOrders', {
      id, title: quote.title, client_id: quote.client_id, site_id: quote.site_id, user_id: quote.user_id, ticket_id: quote.ticket_id,
      quotation_id: quote.id, status: 1, open_status: 0, date: quote.last_update_time, last_update_time: quote.last_update_time,
      lines: (quote.lines as HaloRecord[]).map((l) => ({ ...l, id: lineId++, qhid: undefined, salesorder_id: id, quotation_line_id: l.id })),
    });
  }
}
