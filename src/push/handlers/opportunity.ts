import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Opportunity, Quote } from '../../db/entities';
import type { HaloClient, HaloTicket } from '../../halo';
import type { OpportunitySettings } from '../../integration/settings';
import { OPPORTUNITY_FIELDS, sameValue, type OpportunityField, type PendingChanges } from '../../opportunities/conflicts';
import { OPPORTUNITY_PUSH } from '../../opportunities/opportunity.service';
import { applyHaloState, ticketRow } from '../../opportunities/reconcile';
import { PushRejected, settlePushState, type PushContext, type PushHandler } from '../outbox';
import { carriesReference, opportunityReference, ticketCreate, ticketUpdate } from './opportunity-payload';

/** Lost creates are looked for among tickets updated since the push was queued, less this for clock differences. */
const LOOKUP_OVERLAP_MS = 10 * 60_000;

/**
 * Creates or updates an opportunity's Halo ticket from the record's state (not from a snapshot in the outbox row),
 * so one push carries every edit made before it ran. Exactly once:
 * - create: the ticket's `details` carry our reference; an attempt after one that may have reached Halo lists the
 *   tickets updated since the push was queued and adopts the one with the reference instead of creating again.
 *   The Halo id is committed on its own at once, so a crash after it never creates twice.
 * - update: an update by id is idempotent, and each attempt starts from Halo's current ticket: edits Halo already
 *   has are done, and fields Halo changed since the last sync are merged by the conflict rule (never overwritten
 *   unseen), so a retry after a lost answer writes nothing twice.
 */
export const opportunityPushHandler: PushHandler = {
  kind: OPPORTUNITY_PUSH,
  async push({ em, client, row, settings, mayHaveApplied }: PushContext) {
    const mapping = settings.opportunities;
    if (!mapping) throw new PushRejected('The opportunity mapping is not set: set it (setOpportunityMapping), then retry the push.');
    const statusId = haloStatusOf(mapping);
    // Read in a fork: the worker's own entity manager must not hold a copy that the steps below make stale.
    const opp = await em.fork().findOneOrFail(Opportunity, { id: row.targetId });

    let remote: HaloTicket | null;
    if (opp.haloId == null) {
      const reference = opportunityReference(opp.id);
      remote = mayHaveApplied ? await findByReference(client, reference, row.createdAt) : null;
      if (!remote) {
        if (opp.haloCompanyId == null) throw new PushRejected('The opportunity’s company is not in Halo, so its ticket cannot be created there.');
        const values = Object.fromEntries(OPPORTUNITY_FIELDS.map((f) => [f, opp[f] ?? null]));
        [remote] = await client.upsert('opportunities', [ticketCreate(opp.id, values, statusId)]);
        // Without an id we cannot tell which ticket it is: the retry finds it by reference.
        if (!remote?.id) throw new Error('Halo saved the opportunity but returned no ticket id');
      }
      await adopt(em, opp.id, Number(remote.id), ticketRow(remote, settings).row as unknown as Record<string, unknown>);
    } else {
      remote = await client.getById('opportunities', opp.haloId);
      if (!remote) throw new PushRejected(`Ticket ${opp.haloId} is no longer in Halo (deleted there), so these changes cannot be written to it.`);
    }
    const ticket = remote;
    const haloId = Number(ticket.id);

    // Halo's current state first: the merge decides what is still ours to send.
    const toSend = await em.fork().transactional(async (tx) => {
      const o = await tx.findOneOrFail(Opportunity, { id: opp.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      await applyHaloState(tx, o, ticketRow(ticket, settings), new Date());
      return { ...o.pendingChanges };
    });
    if (Object.keys(toSend).length) {
      const values = Object.fromEntries(Object.entries(toSend).map(([f, c]) => [f, c.value])) as Partial<Record<OpportunityField, unknown>>;
      await client.upsert('opportunities', [ticketUpdate(haloId, values, statusId)]);
      await acknowledge(em, opp.id, toSend);
    }
    return { haloId };
  },
  settle: (em, row, outcome) => settlePushState(em, Opportunity, row.targetId, row, outcome),
};

function haloStatusOf(mapping: OpportunitySettings) {
  return (status: string): number => {
    const m = mapping.toHalo.find((x) => x.status === status);
    if (!m) throw new PushRejected(`Our status ${status} has no Halo status in the opportunity mapping: map it, then retry the push.`);
    return m.haloStatusId;
  };
}

/** Halo lists may carry a summary without `details`: those candidates are read in full. */
async function findByReference(client: HaloClient, reference: string, queuedAt: Date): Promise<HaloTicket | null> {
  for await (const t of client.list('opportunities', { lastupdatefromdate: new Date(queuedAt.getTime() - LOOKUP_OVERLAP_MS) })) {
    if (t.details === undefined && t.details_html === undefined) {
      const full = await client.getById('opportunities', t.id);
      if (full && carriesReference(full, reference)) return full;
    } else if (carriesReference(t, reference)) return t;
  }
  return null;
}

/** Records the new ticket's id (and Halo's values as the base) in its own commit. */
async function adopt(em: EntityManager, id: string, haloId: number, base: Record<string, unknown>): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const o = await tx.findOneOrFail(Opportunity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (o.haloId === haloId) return;
    // A sync may have brought the new ticket in before we recorded it: that row is a copy of this one.
    const copies = await tx.find(Opportunity, { tenantId: o.tenantId, haloId, id: { $ne: id } });
    if (copies.length) {
      const ids = copies.map((c) => c.id);
      await tx.nativeUpdate(Quote, { tenantId: o.tenantId, opportunityId: { $in: ids } }, { opportunityId: id });
      await tx.nativeDelete(Opportunity, { id: { $in: ids } });
    }
    o.haloId = haloId;
    o.haloValues = base;
  });
}

/** Halo has what was sent: those edits are done unless made again since, and Halo's values are now these. */
async function acknowledge(em: EntityManager, id: string, sent: PendingChanges): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const o = await tx.findOneOrFail(Opportunity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const pending = { ...o.pendingChanges };
    const base = { ...(o.haloValues ?? {}) };
    for (const [field, change] of Object.entries(sent)) {
      base[field] = change.value;
      const now = pending[field];
      if (now && now.at === change.at && sameValue(now.value, change.value)) delete pending[field];
    }
    o.pendingChanges = pending;
    o.haloValues = base;
  });
}

