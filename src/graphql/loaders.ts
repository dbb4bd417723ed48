import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { Company, Contact, Item, Opportunity, Quote } from '../db/entities';
import { isRecordId } from './common/records';

/**
 * One loader per entity and request: every by-id read of a request (field resolvers, `_entities` from the router)
 * becomes one `where id in (…)` statement per type, always scoped to the caller's tenant.
 */
function byId<E extends { id: string; tenantId: string }>(em: EntityManager, entity: EntityClass<E>, tenantId: string) {
  return new DataLoader<string, E | null>(async (ids) => {
    const valid = ids.filter(isRecordId);
    const rows = valid.length
      ? await em.find(entity, { id: { $in: valid }, tenantId } as FilterQuery<E>)
      : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function createLoaders(em: EntityManager, tenantId: string) {
  return {
    company: byId(em, Company, tenantId),
    contact: byId(em, Contact, tenantId),
    item: byId(em, Item, tenantId),
    opportunity: byId(em, Opportunity, tenantId),
    quote: byId(em, Quote, tenantId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
