/**
 * What this simulated Halo answers where the evidence has no answer (HALO-API.md §9 "unknown"). Confirmed values
 * follow the evidence (`src/halo/facts.ts` names the source of each); every unknown is drawn from the seed, so
 * different seeds answer differently and a test that passes only because the product and the simulator share a
 * guess fails under some seed.
 *
 * The simulator imports nothing of the product; the confirmed values are repeated here with their sources.
 */
import { Prng } from './prng';

export type SimEventTable = 'clients' | 'sites' | 'users' | 'items' | 'tickets';
export type SimEventTrigger = 'created' | 'updated' | 'deleted' | 'statusChanged';

export interface SimEventDef {
  eventno: number;
  /** The notification event name; deliveries carry it lower-cased in `event`. */
  name: string;
  table: SimEventTable;
  trigger: SimEventTrigger;
  grade: 'confirmed' | 'one-source' | 'unknown';
}

/** Ticket events with public evidence (HALO-API.md §9): redanthrax/halopsa-node, django-psa. */
export const CONFIRMED_TICKET_EVENTS: readonly SimEventDef[] = [
  { eventno: 3, name: 'New Ticket Logged', table: 'tickets', trigger: 'created', grade: 'confirmed' },
  { eventno: 61, name: 'Ticket updated', table: 'tickets', trigger: 'updated', grade: 'confirmed' },
  { eventno: 76, name: 'Ticket Status Changed', table: 'tickets', trigger: 'statusChanged', grade: 'one-source' },
  { eventno: 1072, name: 'Ticket Deleted', table: 'tickets', trigger: 'deleted', grade: 'one-source' },
];

/** Plausible names for the events no source names; the seed picks one per event. */
const NAME_VARIANTS: Record<Exclude<SimEventTable, 'tickets'>, Record<'created' | 'updated' | 'deleted', string[]>> = {
  clients: { created: ['Customer Created', 'New Client', 'Client Added'], updated: ['Customer Updated', 'Client Updated', 'Client Changed'], deleted: ['Customer Deleted', 'Client Deleted', 'Client Removed'] },
  sites: { created: ['Site Created', 'New Site', 'Site Added'], updated: ['Site Updated', 'Site Changed', 'Site Edited'], deleted: ['Site Deleted', 'Site Removed', 'Site Deleted'] },
  users: { created: ['User Created', 'New User', 'Contact Added'], updated: ['User Updated', 'User Changed', 'Contact Updated'], deleted: ['User Deleted', 'User Removed', 'Contact Deleted'] },
  items: { created: ['Item Created', 'New Item', 'Product Added'], updated: [], deleted: ['Item Deleted', 'Item Removed', 'Product Deleted'] },
};

/** The names a quote line's quantity and unit price may be read from: each seed's Halo reads one of each. */
export const QUOTE_LINE_QUANTITY_NAMES = ['quantity', 'qty', 'count'] as const;
export const QUOTE_LINE_UNIT_PRICE_NAMES = ['baseprice', 'price', 'unit_price'] as const;

/** What `Webhook.payload_type` values mean here (unknown in Halo): a permutation drawn from the seed. */
export type PayloadKind = 'keyFields' | 'full' | 'eventOnly';

export interface SimTruth {
  seed: number;
  /** Every event this Halo raises: the confirmed ticket events, then the unknown ones drawn from the seed. */
  events: SimEventDef[];
  /** Lookup table ids: confirmed customer type 33 and quote status 39; country, region, pipeline stage drawn. */
  lookupIds: { customerType: number; quoteStatus: number; countryCode: number; regionCode: number; pipelineStage: number };
  /** The one quote-line field this Halo reads the quantity from (others are ignored, as unknown JSON is). */
  quoteLineQuantityField: (typeof QUOTE_LINE_QUANTITY_NAMES)[number];
  /** The one quote-line field this Halo reads the unit price from. */
  quoteLineUnitPriceField: (typeof QUOTE_LINE_UNIT_PRICE_NAMES)[number];
  /** `payload_type` value → what a delivery carries. */
  payloadTypes: Record<0 | 1 | 2, PayloadKind>;
}

/** Confirmed lookup ids (HALO-API.md §9: Halo SQL `fid=33`, stellarcyber `QuoteStatus: 39`). */
export const CONFIRMED_LOOKUP_IDS = { customerType: 33, quoteStatus: 39 } as const;
/** Halo's tech (agent) status table (HALO-API.md §9: "49 is tech status"); served so a client reading it gets wrong rows, not a 404. */
export const TECH_STATUS_LOOKUP_ID = 49;
/** Ids no lookup table drawn from a seed may take (confirmed ones, and Halo's tech-status table). */
const RESERVED_LOOKUP_IDS = new Set<number>([CONFIRMED_LOOKUP_IDS.customerType, CONFIRMED_LOOKUP_IDS.quoteStatus, TECH_STATUS_LOOKUP_ID]);

/**
 * The truth of seed `seed`. Deterministic: the same seed always answers the same.
 * Unknown event numbers are drawn from 100–1999 (never a confirmed ticket event number).
 */
export function truthFor(seed: number): SimTruth {
  const rng = new Prng((seed * 2654435761) ^ 0x5eed7007);
  const taken = new Set<number>(CONFIRMED_TICKET_EVENTS.map((e) => e.eventno));
  const drawEvent = () => {
    for (;;) {
      const n = rng.int(100, 1999);
      if (!taken.has(n)) {
        taken.add(n);
        return n;
      }
    }
  };
  const events: SimEventDef[] = [...CONFIRMED_TICKET_EVENTS];
  for (const table of ['clients', 'sites', 'users', 'items'] as const) {
    for (const trigger of ['created', 'updated', 'deleted'] as const) {
      const names = NAME_VARIANTS[table][trigger];
      // Halo's own gap (the setup guide): no item-update event.
      if (!names.length) continue;
      events.push({ eventno: drawEvent(), name: rng.pick(names), table, trigger, grade: 'unknown' });
    }
  }
  const usedLookups = new Set(RESERVED_LOOKUP_IDS);
  const drawLookup = () => {
    for (;;) {
      const n = rng.int(50, 250);
      if (!usedLookups.has(n)) {
        usedLookups.add(n);
        return n;
      }
    }
  };
  const lookupIds = { ...CONFIRMED_LOOKUP_IDS, countryCode: drawLookup(), regionCode: drawLookup(), pipelineStage: drawLookup() };
  const quoteLineQuantityField = rng.pick(QUOTE_LINE_QUANTITY_NAMES);
  const quoteLineUnitPriceField = rng.pick(QUOTE_LINE_UNIT_PRICE_NAMES);
  const kinds: PayloadKind[] = ['keyFields', 'full', 'eventOnly'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return {
    seed,
    events,
    lookupIds,
    quoteLineQuantityField,
    quoteLineUnitPriceField,
    payloadTypes: { 0: kinds[0]!, 1: kinds[1]!, 2: kinds[2]! },
  };
}
