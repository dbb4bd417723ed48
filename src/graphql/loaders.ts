import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { Company, Contact, Item, Opportunity, ProductGroup, Quote, QuoteBundle, QuoteLine, Site } from '../db/entities';
import { isRecordId } from './common/records';
import { findPlain } from './common/plain';

type Row = { id: string; tenantId: string };

/**
 * One loader per entity and request: every by-id read of a request (field resolvers, `_entities` from the router)
 * becomes one `where id in (…)` statement per type, always scoped to the caller's tenant.
 */
function byId<E extends Row>(em: EntityManager, entity: EntityClass<E>, tenantId: string) {
  return new DataLoader<string, E | null>(async (ids) => {
    const valid = ids.filter(isRecordId);
    const rows = valid.length ? await findPlain(em, entity, { id: { $in: valid }, tenantId } as FilterQuery<E>) : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/**
 * Children of many parents in one statement: e.g. the contacts of every company on a page. Records marked deleted
 * in Halo are left out of nested lists.
 */
function byParent<E extends Row>(
  em: EntityManager,
  entity: EntityClass<E>,
  tenantId: string,
  parentKey: keyof E & string,
  orderBy: keyof E & string,
  opts: { includeDeleted?: boolean } = {},
) {
  return new DataLoader<string, E[]>(async (parentIds) => {
    const valid = parentIds.filter(isRecordId);
    const where = { [parentKey]: { $in: valid }, tenantId, ...(opts.includeDeleted ? {} : { deletedAt: null }) } as FilterQuery<E>;
    const rows = valid.length ? await findPlain(em, entity, where, { orderBy: { [orderBy]: 'asc', id: 'asc' } as never }) : [];
    const groups = new Map<string, E[]>();
    for (const r of rows) {
      const key = (r as Record<string, unknown>)[parentKey] as string;
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
    return parentIds.map((id) => groups.get(id) ?? []);
  });
}

export function createLoaders(em: EntityManager, tenantId: string) {
  return {
    company: byId(em, Company, tenantId),
    contact: byId(em, Contact, tenantId),
    item: byId(em, Item, tenantId),
    opportunity: byId(em, Opportunity, tenantId),
    quote: byId(em, Quote, tenantId),
    productGroup: byId(em, ProductGroup, tenantId),
    sitesByCompany: byParent(em, Site, tenantId, 'companyId', 'name'),
    contactsByCompany: byParent(em, Contact, tenantId, 'companyId', 'name'),
    opportunitiesByCompany: byParent(em, Opportunity, tenantId, 'companyId', 'title'),
    quotesByCompany: byParent(em, Quote, tenantId, 'companyId', 'title'),
    quotesByOpportunity: byParent(em, Quote, tenantId, 'opportunityId', 'title'),
    linesByQuote: byParent(em, QuoteLine, tenantId, 'quoteId', 'position', { includeDeleted: true }),
    bundlesByQuote: byParent(em, QuoteBundle, tenantId, 'quoteId', 'position', { includeDeleted: true }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
