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
  /** Halo id → our id, for every row the statement wrote (content, links or the full run's seen mark). */
  written: Map<number, string>;
  /** Halo ids whose content was created or changed (what children such as quote lines follow). */
  changed: Set<number>;
}

/** A foreign key of ours, resolved from a Halo id the mapped row carries (e.g. contact.company_id ← haloCompanyId). */
export interface LinkSpec {
  column: string;
  haloField: string;
  target: SyncTable;
}

export interface UpsertOptions {
  /** An extra condition on the existing row for it to be overwritten (opportunities: no local edits pending). */
  onlyWhere?: string;
  links?: LinkSpec[];
  /** Full runs: stamp every row Halo still lists, so the rows it did not list can be marked deleted afterwards. */
  seenRunId?: string;
}

export async function upsertPage<R extends object>(
  em: EntityManager,
  table: SyncTable,
  tenantId: string,
  rows: Mapped<R>[],
  now: Date,
  opts: UpsertOptions = {},
): Promise<UpsertResult> {
  if (!rows.length) return { created: 0, updated: 0, unchanged: 0, written: new Map(), changed: new Set() };
  // Later duplicates of one id in a page (a record changed between page fetches) win.
  const byId = new Map<number, Mapped<R>>();
  for (const r of rows) byId.set(r.haloId, r);
  const unique = [...byId.values()];
  const fields = Object.keys(unique[0].row);
  const links = opts.links ?? [];
  const cols = [
    'tenant_id',
    'halo_id',
    'halo_updated_at',
    'content_hash',
    'last_synced_at',
    ...fields.map(snake),
    ...links.map((l) => l.column),
    ...(opts.seenRunId ? ['last_seen_run_id'] : []),
  ];
  const params: unknown[] = [tenantId, unique.map((r) => r.haloId)];
  const values = unique.map((r) => {
    const row = r.row as Record<string, unknown>;
    const vals = [tenantId, r.haloId, r.haloUpdatedAt, r.contentHash, now, ...fields.map((f) => row[f])];
    params.push(...vals);
    // Links resolve inside the statement: no second pass, and a link follows its target however late it arrives.
    const linkSql = links.map((l) => {
      params.push(tenantId, row[l.haloField] ?? null);
      return `(select x."id" from "${l.target}" x where x."tenant_id" = ? and x."halo_id" = ?)`;
    });
    if (opts.seenRunId) params.push(opts.seenRunId);
    return `(gen_random_uuid(), ${[...vals.map(() => '?'), ...linkSql, ...(opts.seenRunId ? ['?'] : [])].join(', ')})`;
  });
  const updates = [...cols.slice(2).map((c) => `"${c}" = excluded."${c}"`), '"deleted_at" = null', '"updated_at" = now()'];
  const differs = [
    `"${table}"."content_hash" is distinct from excluded."content_hash"`,
    `"${table}"."deleted_at" is not null`,
    ...links.map((l) => `"${table}"."${l.column}" is distinct from excluded."${l.column}"`),
    ...(opts.seenRunId ? [`"${table}"."last_seen_run_id" is distinct from excluded."last_seen_run_id"`] : []),
  ];
  // `before` sees the rows as they were (every CTE reads the statement's snapshot): it tells content changes
  // apart from rows rewritten only for a link or the seen mark.
  const sql = `with before as (
      select "halo_id", "content_hash", "deleted_at" from "${table}" where "tenant_id" = ? and "halo_id" = any(array[?]::int[])
    ), up as (
      insert into "${table}" ("id", ${cols.map((c) => `"${c}"`).join(', ')}) values ${values.join(', ')}
      on conflict ("tenant_id", "halo_id") do update set ${updates.join(', ')}
      where (${differs.join(' or ')})
        and ("${table}"."halo_updated_at" is null or excluded."halo_updated_at" is null or excluded."halo_updated_at" >= "${table}"."halo_updated_at")${opts.onlyWhere ? `
        and (${opts.onlyWhere})` : ''}
      returning "id", "halo_id", "content_hash", (xmax = 0) as "inserted"
    )
    select up."id", up."halo_id", up."inserted",
           (b."halo_id" is null or b."content_hash" is distinct from up."content_hash" or b."deleted_at" is not null) as "changed"
      from up left join before b on b."halo_id" = up."halo_id"`;
  const out = await em.getConnection().execute<{ id: string; halo_id: number; inserted: boolean; changed: boolean }[]>(sql, params);
  const created = out.filter((r) => r.inserted).length;
  const updated = out.filter((r) => !r.inserted && r.changed).length;
  const written = new Map(out.map((r) => [Number(r.halo_id), r.id]));
  if (opts.seenRunId && written.size < unique.length) {
    // Rows the statement skipped (local edits pending, or an older state than ours) are still in Halo.
    await markSeen(em, table, tenantId, opts.seenRunId, unique.map((r) => r.haloId).filter((id) => !written.has(id)));
  }
  return {
    created,
    updated,
    unchanged: unique.length - created - updated,
    written,
    changed: new Set(out.filter((r) => r.inserted || r.changed).map((r) => Number(r.halo_id))),
  };
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
