import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery, QueryOrderMap } from '@mikro-orm/core';
import { MAX_PAGE_SIZE, type Connection, type PageArgs, type PageInfo } from './connection';
import { badInput } from './errors';
import { findPlain } from './plain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from clients and routers; anything that is not one of our UUIDs simply matches nothing. */
export const isRecordId = (id: string): boolean => UUID.test(id);

type Sortable = { id: string; tenantId: string };

function encodeCursor(sortValue: unknown, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isRecordId(value[1])) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw badInput('`after` is not a cursor returned by this API', 'after');
}

/**
 * A top-level list of the read API (`companies`, `contacts`…): its entity, its sort column and how its arguments
 * filter. Declared once beside its resolver and used by both ways a list is read: the resolvers (`listRecords`)
 * and the compiled read path (graphql/sql-read), so both page and filter identically.
 */
export interface ListSpec<E extends Sortable, A = Record<string, unknown>> {
  entity: EntityClass<E>;
  sortField: keyof E & string;
  /** The arguments' conditions (may throw `badInput`); the tenant and the cursor are added by `pageQuery`. */
  where(args: A): FilterQuery<E>[];
}

/** Declares a list (only to infer the types). */
export const listSpec = <E extends Sortable, A>(spec: ListSpec<E, A>): ListSpec<E, A> => spec;

/**
 * The conditions of one page: the tenant, the arguments' filters and the keyset cursor, ordered by the sort column
 * then id, one row more than asked for (that row says whether there is a next page). Throws `badInput` for a bad
 * `first` or `after`.
 */
export function pageQuery<E extends Sortable, A extends PageArgs>(
  spec: ListSpec<E, A>,
  tenantId: string,
  args: A,
): { where: FilterQuery<E>; orderBy: QueryOrderMap<E>; limit: number; first: number } {
  const { after } = args;
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  const conditions: FilterQuery<E>[] = [{ tenantId } as FilterQuery<E>, ...spec.where(args)];
  if (after) {
    const [sortValue, id] = decodeCursor(after);
    conditions.push({
      $or: [{ [spec.sortField]: { $gt: sortValue } }, { [spec.sortField]: sortValue, id: { $gt: id } }],
    } as FilterQuery<E>);
  }
  return {
    where: { $and: conditions } as FilterQuery<E>,
    orderBy: { [spec.sortField]: 'asc', id: 'asc' } as QueryOrderMap<E>,
    limit: first + 1,
    first,
  };
}

/** The cursor of a page's last row, and whether another page follows (both paths build pageInfo with it). */
export function pageInfoOf(first: number, rows: number, last: { sortValue: unknown; id: string } | undefined): PageInfo {
  return { hasNextPage: rows > first, endCursor: last ? encodeCursor(last.sortValue, last.id) : null };
}

/**
 * Keyset pagination over one tenant's rows, ordered by a text column then id: stable under inserts, and every page
 * costs one statement whatever its position.
 */
export async function listRecords<E extends Sortable, A extends PageArgs>(
  em: EntityManager,
  spec: ListSpec<E, A>,
  tenantId: string,
  args: A,
): Promise<Connection<E>> {
  const page = pageQuery(spec, tenantId, args);
  const rows = await findPlain(em, spec.entity, page.where, { orderBy: page.orderBy, limit: page.limit });
  const nodes = rows.length > page.first ? rows.slice(0, page.first) : rows;
  const last = nodes[nodes.length - 1];
  return { nodes, pageInfo: pageInfoOf(page.first, rows.length, last && { sortValue: last[spec.sortField], id: last.id }) };
}

/** Case-insensitive substring match, with LIKE wildcards in the user's text taken literally. */
export function containsInsensitive(text: string): { $ilike: string } {
  return { $ilike: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
}

/** An id argument used as a filter: anything but one of our ids is a bad argument (not a database error). */
export function recordIdArg(id: string, field: string): string {
  if (!isRecordId(id)) throw badInput(`\`${field}\` is not an id returned by this API`, field);
  return id;
}
