import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { MAX_PAGE_SIZE, type Connection, type PageArgs } from './connection';
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
 * Keyset pagination over one tenant's rows, ordered by a text column then id: stable under inserts, and every page
 * costs one statement whatever its position.
 */
export async function listRecords<E extends Sortable>(
  em: EntityManager,
  entity: EntityClass<E>,
  opts: { tenantId: string; sortField: keyof E & string; page: PageArgs; where?: FilterQuery<E> },
): Promise<Connection<E>> {
  const { after } = opts.page;
  const first = opts.page.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  const conditions: FilterQuery<E>[] = [{ tenantId: opts.tenantId } as FilterQuery<E>];
  if (opts.where) conditions.push(opts.where);
  if (after) {
    const [sortValue, id] = decodeCursor(after);
    conditions.push({
      $or: [{ [opts.sortField]: { $gt: sortValue } }, { [opts.sortField]: sortValue, id: { $gt: id } }],
    } as FilterQuery<E>);
  }
  const rows = await findPlain(em, entity, { $and: conditions } as FilterQuery<E>, {
    orderBy: { [opts.sortField]: 'asc', id: 'asc' } as never,
    limit: first + 1,
  });
  const hasNextPage = rows.length > first;
  const nodes = hasNextPage ? rows.slice(0, first) : rows;
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    pageInfo: {
      hasNextPage,
      endCursor: last ? encodeCursor(last[opts.sortField], last.id) : null,
    },
  };
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
