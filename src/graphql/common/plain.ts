import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery, QueryOrderMap } from '@mikro-orm/core';

/**
 * Reads rows as plain objects (property names, converted types) without building managed entities. The read API
 * only serialises what it reads, and hydrating entities (identity map, change tracking) cost more CPU than
 * the SQL itself on large pages.
 */
export async function findPlain<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  opts: { orderBy?: QueryOrderMap<E>; limit?: number } = {},
): Promise<E[]> {
  const qb = em.createQueryBuilder(entity).select('*').where(where);
  if (opts.orderBy) qb.orderBy(opts.orderBy);
  if (opts.limit !== undefined) qb.limit(opts.limit);
  return (await qb.execute('all', true)) as unknown as E[];
}
