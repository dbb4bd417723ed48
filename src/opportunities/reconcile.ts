import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Company, Contact, Opportunity, SyncConflict } from '../db/entities';
import type { HaloTicket } from '../halo';
import type { IntegrationSettingsDoc } from '../integration/settings';
import { isSkip, mapTicket, type Mapped, type OpportunityRow } from '../sync/mappers';
import { upsertPage, type UpsertOptions, type UpsertResult } from '../sync/store';
import { mergeOpportunity, type MergeResult, type OpportunityField } from './conflicts';

/**
 * Applying Halo's state of an opportunity to our row when the row has local edits Halo does not have yet: the
 * merge decides field by field (conflicts.ts); this writes the outcome and records every conflict. Used by the
 * sync (incremental runs and webhook refetches) and by the push before it writes.
 */

/** Columns that belong to a field: while our value of the field stands, these stay ours too. */
const COMPANIONS: Record<OpportunityField, (keyof OpportunityRow)[]> = {
  title: ['title'],
  status: ['status', 'haloStatusId', 'haloStatusName'],
  value: ['value'],
  ownerAgentId: ['ownerAgentId', 'ownerName'],
  haloTypeId: ['haloTypeId'],
  haloCompanyId: ['haloCompanyId'],
  haloContactId: ['haloContactId'],
};

/** A Halo ticket as our row; the "imported types" filter does not apply to a ticket we already hold. */
export function ticketRow(ticket: HaloTicket, settings: IntegrationSettingsDoc): Mapped<OpportunityRow> {
  const opportunities = settings.opportunities ? { ...settings.opportunities, importTypeIds: [] } : null;
  const m = mapTicket(ticket, { ...settings, opportunities });
  if (isSkip(m)) throw new Error(`unexpected skip of ticket ${ticket.id}: ${m.skip.code}`);
  return m;
}

/**
 * Merges Halo's `mapped` state into `opp` (a managed, locked entity): Halo's values where ours do not stand,
 * conflicts recorded, the pending edits and the base updated. The caller flushes.
 */
export async function applyHaloState(em: EntityManager, opp: Opportunity, mapped: Mapped<OpportunityRow>, now: Date): Promise<MergeResult> {
  const result = mergeOpportunity({ base: opp.haloValues, pending: opp.pendingChanges, remote: mapped.row as unknown as Record<string, unknown>, remoteUpdatedAt: mapped.haloUpdatedAt });
  const ours = new Set(result.keepLocal.flatMap((f) => COMPANIONS[f as OpportunityField] ?? [f]));
  const before = { company: opp.haloCompanyId, contact: opp.haloContactId };
  for (const [key, value] of Object.entries(mapped.row) as [keyof OpportunityRow, unknown][]) {
    if (!ours.has(key)) (opp as unknown as Record<string, unknown>)[key] = value;
  }
  if (opp.haloCompanyId !== before.company) {
    opp.companyId = opp.haloCompanyId ? ((await em.findOne(Company, { tenantId: opp.tenantId, haloId: opp.haloCompanyId }))?.id ?? null) : null;
  }
  if (opp.haloContactId !== before.contact) {
    opp.contactId = opp.haloContactId ? ((await em.findOne(Contact, { tenantId: opp.tenantId, haloId: opp.haloContactId }))?.id ?? null) : null;
  }
  opp.pendingChanges = result.pending;
  opp.haloValues = result.base;
  opp.haloUpdatedAt = mapped.haloUpdatedAt;
  opp.contentHash = mapped.contentHash;
  opp.lastSyncedAt = now;
  opp.deletedAt = null;
  for (const c of result.conflicts) {
    em.create(SyncConflict, {
      tenantId: opp.tenantId,
      entity: 'opportunity',
      recordId: opp.id,
      field: c.field,
      localValue: c.local,
      haloValue: c.halo,
      winner: c.winner,
      rule: c.rule,
    });
  }
  return result;
}

/**
 * The sync's step for opportunities the page upsert left alone because they have pending edits: each is merged
 * in its own short transaction (row locked against a concurrent edit or push), so no lock outlives this call.
 * Returns Halo id → our id of the rows merged.
 */
export async function mergePendingOpportunities(em: EntityManager, tenantId: string, rows: Mapped<OpportunityRow>[], now: Date): Promise<Map<number, string>> {
  const written = new Map<number, string>();
  if (!rows.length) return written;
  const byHaloId = new Map(rows.map((r) => [r.haloId, r]));
  const candidates = await em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from opportunity where tenant_id = ? and halo_id = any(array[?]::int[]) and pending_changes <> '{}'::jsonb`,
      [tenantId, [...byHaloId.keys()]],
    );
  for (const { id } of candidates) {
    await em.fork().transactional(async (tx) => {
      const opp = await tx.findOne(Opportunity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const mapped = opp?.haloId != null ? byHaloId.get(opp.haloId) : undefined;
      if (!opp || !mapped) return;
      // The page upsert's rules, kept here: never an older Halo state over a newer one; an unchanged one is a no-op.
      if (opp.haloUpdatedAt && mapped.haloUpdatedAt && mapped.haloUpdatedAt < opp.haloUpdatedAt) return;
      if (opp.contentHash === mapped.contentHash && !opp.deletedAt) return;
      await applyHaloState(tx, opp, mapped, now);
      written.set(mapped.haloId, opp.id);
    });
  }
  return written;
}

/**
 * The sync's write of opportunity rows (pages and webhook refetches). Every write keeps Halo's values in
 * `halo_values`, the base of the next conflict check; rows with local edits not yet in Halo are not overwritten
 * by the page upsert but merged field by field.
 */
export async function writeOpportunities(
  em: EntityManager,
  tenantId: string,
  rows: Mapped<OpportunityRow>[],
  now: Date,
  opts: Omit<UpsertOptions, 'onlyWhere'> = {},
): Promise<UpsertResult> {
  const withBase = rows.map((r) => ({ ...r, row: { ...r.row, haloValues: r.row } }));
  const result = await upsertPage(em, 'opportunity', tenantId, withBase, now, { ...opts, onlyWhere: `"opportunity"."pending_changes" = '{}'::jsonb` });
  const merged = await mergePendingOpportunities(em, tenantId, rows.filter((r) => !result.written.has(r.haloId)), now);
  for (const [haloId, id] of merged) {
    result.written.set(haloId, id);
    result.changed.add(haloId);
  }
  return { ...result, updated: result.updated + merged.size, unchanged: result.unchanged - merged.size };
}
