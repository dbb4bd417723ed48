import type { EntityManager } from '@mikro-orm/postgresql';
import type { Mapped } from './mappers';

/**
 * Set-based writes of mapped Halo records. One statement upserts a whole page; it writes only rows whose content
 * changed (or that come back after being marked deleted), and never lets an older Halo state overwrite a newer
 * one, so a late webhook or an overlapping incremental window is harmless.
 */

export type SyncTable = 'product_group' | 'company' | 'site' | 'contact' | 'item' | 'opportunity' | 'quote' | 'quote_line';

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface UpsertResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Halo id → our id, for the rows written. */
  written: Map<number, string>;
}

export async function upsertPage<R extends object>(
  em: EntityManager,
  table: SyncTable,
  tenantId: string,
  rows: Mapped<R>[],
  now: Date,
  /** An extra condition on the existing row for it to be overwritten (opportunities: no local edits pending). */
  opts: { onlyWhere?: string } = {},
): Promise<UpsertResult> {
  if (!rows.length) return { created: 0, updated: 0, unchanged: 0, written: new Map() };
  // Later duplicates of one id in a page (a record changed between page fetches) win.
  const byId = new Map<number, Mapped<R>>();
  for (const r of rows) byId.set(r.haloId, r);
  const unique = [...byId.values()];
  const fields = Object.keys(unique[0].row);
  const cols = ['tenant_id', 'halo_id', 'halo_updated_at', 'content_hash', 'last_synced_at', ...fields.map(snake)];
  const params: unknown[] = [];
  const values = unique.map((r) => {
    const vals = [tenantId, r.haloId, r.haloUpdatedAt, r.contentHash, now, ...fields.map((f) => (r.row as Record<string, unknown>)[f])];
    params.push(...vals);
    return `(gen_random_uuid(), ${vals.map(() => '?').join(', ')})`;
  });
  const updates = [...cols.slice(2).map((c) => `"${c}" = excluded."${c}"`), '"deleted_at" = null', '"updated_at" = now()'];
  const sql = `insert into "${table}" ("id", ${cols.map((c) => `"${c}"`).join(', ')}) values ${values.join(', ')}
    on conflict ("tenant_id", "halo_id") do update set ${updates.join(', ')}
    where ("${table}"."content_hash" is distinct from excluded."content_hash" or "${table}"."deleted_at" is not null)
      and ("${table}"."halo_updated_at" is null or excluded."halo_updated_at" is null or excluded."halo_updated_at" >= "${table}"."halo_updated_at")${opts.onlyWhere ? `
      and (${opts.onlyWhere})` : ''}
    returning "id", "halo_id", (xmax = 0) as "inserted"`;
  const out = await em.getConnection().execute<{ id: string; halo_id: number; inserted: boolean }[]>(sql, params);
  const created = out.filter((r) => r.inserted).length;
  return {
    created,
    updated: out.length - created,
    unchanged: unique.length - out.length,
    written: new Map(out.map((r) => [Number(r.halo_id), r.id])),
  };
}

/** Resolves our foreign keys from Halo ids for the given rows (one statement per link). */
export async function linkByHaloId(
  em: EntityManager,
  spec: { table: SyncTable; column: string; haloColumn: string; target: SyncTable },
  tenantId: string,
  haloIds: number[],
): Promise<void> {
  if (!haloIds.length) return;
  await em.getConnection().execute(
    `update "${spec.table}" t set "${spec.column}" = x."id"
       from "${spec.target}" x
      where t."tenant_id" = ? and t."halo_id" = any(array[?]::int[])
        and x."tenant_id" = t."tenant_id" and x."halo_id" = t."${spec.haloColumn}"
        and t."${spec.column}" is distinct from x."id"`,
    [tenantId, haloIds],
  );
  // A Halo reference to a record we do not have (yet) must not keep pointing at an old one.
  await em.getConnection().execute(
    `update "${spec.table}" t set "${spec.column}" = null
      where t."tenant_id" = ? and t."halo_id" = any(array[?]::int[]) and t."${spec.column}" is not null
        and not exists (select 1 from "${spec.target}" x where x."tenant_id" = t."tenant_id" and x."halo_id" = t."${spec.haloColumn}")`,
    [tenantId, haloIds],
  );
}

/** Full runs: remember which rows Halo still has. */
export async function markSeen(em: EntityManager, table: SyncTable, tenantId: string, runId: string, haloIds: number[]): Promise<void> {
  if (!haloIds.length) return;
  await em.getConnection().execute(
    `update "${table}" set "last_seen_run_id" = ? where "tenant_id" = ? and "halo_id" = any(array[?]::int[]) and "last_seen_run_id" is distinct from ?`,
    [runId, tenantId, haloIds, runId],
  );
}

/** Full runs: rows Halo no longer lists (deleted or inactivated there) are marked, never removed. */
export async function markUnseenDeleted(em: EntityManager, table: SyncTable, tenantId: string, runId: string, now: Date): Promise<number> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `update "${table}" set "deleted_at" = ?, "updated_at" = now()
      where "tenant_id" = ? and "halo_id" is not null and "deleted_at" is null and "last_seen_run_id" is distinct from ?
      returning "id"`,
    [now, tenantId, runId],
  );
  return rows.length;
}

/** A single record deleted in Halo (a webhook, or a 404 on refetch). */
export async function markDeleted(em: EntityManager, table: SyncTable, tenantId: string, haloIds: number[], now: Date): Promise<number> {
  if (!haloIds.length) return 0;
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `update "${table}" set "deleted_at" = ?, "updated_at" = now() where "tenant_id" = ? and "halo_id" = any(array[?]::int[]) and "deleted_at" is null returning "id"`,
    [now, tenantId, haloIds],
  );
  return rows.length;
}
