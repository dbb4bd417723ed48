import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery, QueryOrderMap } from '@mikro-orm/core';

/** Bookkeeping columns the API never shows: not read, so not parsed (halo_values is a whole copy of the row). */
const NOT_READ = new Set(['haloValues', 'pendingChanges', 'contentHash', 'lastSeenRunId']);

const columnsCache = new Map<string, string[]>();

function readableProps(em: EntityManager, entity: EntityClass<object>): string[] {
  let cols = columnsCache.get(entity.name);
  if (!cols) {
    cols = em
      .getMetadata()
      .get(entity.name)
      .props.filter((p) => p.persist !== false && !NOT_READ.has(p.name) && (p.kind === 'scalar' || p.primary))
      .map((p) => p.name);
    columnsCache.set(entity.name, cols);
  }
  return cols;
}

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
  const qb = em.createQueryBuilder(entity).select(readableProps(em, entity as EntityClass<object>) as never).where(where);
  if (opts.orderBy) qb.orderBy(opts.orderBy);
  if (opts.limit !== undefined) qb.limit(opts.limit);
  return (await qb.execute('all', true)) as unknown as E[];
}
