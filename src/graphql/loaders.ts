import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { BY_ID, CHILD_LISTS, type ChildList } from './relations';
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
  const byIdOf = <K extends keyof typeof BY_ID>(k: K) => byId(em, BY_ID[k] as unknown as EntityClass<InstanceType<(typeof BY_ID)[K]>>, tenantId);
  const childrenOf = <K extends keyof typeof CHILD_LISTS>(k: K) => {
    const spec: ChildList = CHILD_LISTS[k];
    type E = InstanceType<(typeof CHILD_LISTS)[K]['entity']>;
    return byParent(em, spec.entity as EntityClass<E>, tenantId, spec.parentKey as keyof E & string, spec.orderBy as keyof E & string, spec);
  };
  return {
    company: byIdOf('company'),
    contact: byIdOf('contact'),
    item: byIdOf('item'),
    opportunity: byIdOf('opportunity'),
    quote: byIdOf('quote'),
    productGroup: byIdOf('productGroup'),
    sitesByCompany: childrenOf('sitesByCompany'),
    contactsByCompany: childrenOf('contactsByCompany'),
    opportunitiesByCompany: childrenOf('opportunitiesByCompany'),
    quotesByCompany: childrenOf('quotesByCompany'),
    quotesByOpportunity: childrenOf('quotesByOpportunity'),
    linesByQuote: childrenOf('linesByQuote'),
    bundlesByQuote: childrenOf('bundlesByQuote'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
