import type { EntityClass } from '@mikro-orm/core';
import { Company, Contact, Item, Opportunity, ProductGroup, Quote, QuoteBundle, QuoteLine, Site } from '../db/entities';

/**
 * How the read API's records hang together, declared once. The per-request DataLoaders (loaders.ts) are built from
 * these tables, and the compiled read path (sql-read/) turns the same tables into joins, so a nested field reads
 * the same rows in the same order whichever way a query is answered.
 */

/** Records read by id (field resolvers of references, `company(id:)`…, `_entities` from a router). */
export const BY_ID = {
  company: Company,
  contact: Contact,
  item: Item,
  opportunity: Opportunity,
  quote: Quote,
  productGroup: ProductGroup,
} satisfies Record<string, EntityClass<object>>;

export interface ChildList {
  entity: EntityClass<object>;
  /** The child's property holding the parent's id. */
  parentKey: string;
  /** Children are ordered by this property, then id. */
  orderBy: string;
  /** Nested lists leave out records deleted in Halo, except parts of a record (a quote's lines). */
  includeDeleted?: boolean;
}

/** Children of many parents in one statement: e.g. the contacts of every company on a page. */
export const CHILD_LISTS = {
  sitesByCompany: { entity: Site, parentKey: 'companyId', orderBy: 'name' },
  contactsByCompany: { entity: Contact, parentKey: 'companyId', orderBy: 'name' },
  opportunitiesByCompany: { entity: Opportunity, parentKey: 'companyId', orderBy: 'title' },
  quotesByCompany: { entity: Quote, parentKey: 'companyId', orderBy: 'title' },
  quotesByOpportunity: { entity: Quote, parentKey: 'opportunityId', orderBy: 'title' },
  linesByQuote: { entity: QuoteLine, parentKey: 'quoteId', orderBy: 'position', includeDeleted: true },
  bundlesByQuote: { entity: QuoteBundle, parentKey: 'quoteId', orderBy: 'position', includeDeleted: true },
} satisfies Record<string, ChildList>;

export type Relation =
  /** A list of children: `Company.sites` is `sitesByCompany` of the company's id. */
  | { kind: 'children'; list: keyof typeof CHILD_LISTS }
  /** One record by an id the parent holds: `Contact.company` is `company` by the contact's `companyId`. */
  | { kind: 'ref'; target: keyof typeof BY_ID; key: string };

const children = (list: keyof typeof CHILD_LISTS): Relation => ({ kind: 'children', list });
const ref = (target: keyof typeof BY_ID, key: string): Relation => ({ kind: 'ref', target, key });

/**
 * GraphQL type → its entity and its relation fields (each resolved in the type's resolver by the loader named
 * here). Fields not listed are columns of the entity with the same name, or computed (e.g. `Quote.totals`).
 */
export const READ_TYPES: Record<string, { entity: EntityClass<object>; relations: Record<string, Relation> }> = {
  Company: {
    entity: Company,
    relations: {
      sites: children('sitesByCompany'),
      contacts: children('contactsByCompany'),
      opportunities: children('opportunitiesByCompany'),
      quotes: children('quotesByCompany'),
    },
  },
  Site: { entity: Site, relations: {} },
  Contact: { entity: Contact, relations: { company: ref('company', 'companyId') } },
  Opportunity: {
    entity: Opportunity,
    relations: { company: ref('company', 'companyId'), contact: ref('contact', 'contactId'), quotes: children('quotesByOpportunity') },
  },
  Quote: {
    entity: Quote,
    relations: {
      company: ref('company', 'companyId'),
      opportunity: ref('opportunity', 'opportunityId'),
      lines: children('linesByQuote'),
      bundles: children('bundlesByQuote'),
    },
  },
  QuoteLine: { entity: QuoteLine, relations: { item: ref('item', 'itemId') } },
  QuoteBundle: { entity: QuoteBundle, relations: {} },
  Item: { entity: Item, relations: { productGroup: ref('productGroup', 'productGroupId') } },
  ProductGroup: { entity: ProductGroup, relations: {} },
};
