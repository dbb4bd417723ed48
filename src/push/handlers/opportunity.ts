import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Opportunity, Quote } from '../../db/entities';
import type { HaloClient, HaloTicket } from '../../halo';
import type { OpportunitySettings } from '../../integration/settings';
import { OPPORTUNITY_FIELDS, sameValue, type OpportunityField, type PendingChanges } from '../../opportunities/conflicts';
import { OPPORTUNITY_PUSH } from '../../opportunities/opportunity.service';
import { applyHaloState, ticketRow } from '../../opportunities/reconcile';
import { HaloStoredDifferently, PushRejected, settlePushState, type PushContext, type PushHandler } from '../outbox';
import { carriesReference, compareTicket, opportunityFieldOf, opportunityReference, ticketCreate, ticketUpdate } from './opportunity-payload';

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
 * Every write is read back: a field Halo holds differently from what was sent fails the push with
 * HALO_STORED_DIFFERENTLY and stays pending, so a retry after the cause is fixed sends it again.
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
    // Everything written to the ticket by this attempt, as sent (ticket fields) and as ours (opportunity fields).
    let sent: Partial<HaloTicket> = {};
    let ours: Partial<Record<OpportunityField, unknown>> = {};
    if (opp.haloId == null) {
      const reference = opportunityReference(opp.id);
      remote = mayHaveApplied ? await findByReference(client, reference, row.createdAt) : null;
      if (!remote) {
        if (opp.haloCompanyId == null) throw new PushRejected('The opportunity’s company is not in Halo, so its ticket cannot be created there.');
        ours = Object.fromEntries(OPPORTUNITY_FIELDS.map((f) => [f, opp[f] ?? null]));
        const { details, ...fields } = ticketCreate(opp.id, ours, statusId);
        [remote] = await client.upsert('opportunities', [{ ...fields, details }]);
        sent = fields;
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
      const { id: _id, ...fields } = ticketUpdate(haloId, values, statusId);
      await client.upsert('opportunities', [{ id: haloId, ...fields }]);
      sent = { ...sent, ...fields };
      ours = { ...ours, ...values };
    }
    if (Object.keys(sent).length) {
      // Read back: Halo must hold every field as sent before the push is done.
      const stored = await client.getById('opportunities', haloId);
      if (!stored) throw new PushRejected(`Ticket ${haloId} is no longer in Halo (deleted there right after it was saved).`);
      const differences = compareTicket(sent, stored);
      const differing = new Set(differences.map((d) => opportunityFieldOf(d.key)).filter((f): f is OpportunityField => f !== null));
      await acknowledge(em, opp.id, toSend, ours, differing, ticketRow(stored, settings).row as unknown as Record<string, unknown>);
      if (differences.length) {
        throw new HaloStoredDifferently(
          'opportunity',
          haloId,
          differences,
          'Check the Halo rule or setting that changes these fields (e.g. the ticket type’s allowed statuses, the owner’s team), fix it or the opportunity mapping, then retry the push (retryOpportunityPush): the changes stay pending and a retry updates this ticket.',
        );
      }
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

/**
 * After the read-back: the edits Halo holds as sent are done (unless made again since) and Halo's values are the
 * new base. A field Halo holds differently stays pending (added back if the merge had taken it as done), with
 * Halo's stored value as its base, so a retry sends it again instead of taking Halo's value as a newer edit.
 */
async function acknowledge(
  em: EntityManager,
  id: string,
  sent: PendingChanges,
  ours: Partial<Record<OpportunityField, unknown>>,
  differing: ReadonlySet<OpportunityField>,
  stored: Record<string, unknown>,
): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const o = await tx.findOneOrFail(Opportunity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const pending = { ...o.pendingChanges };
    const base = { ...(o.haloValues ?? {}) };
    for (const [field, change] of Object.entries(sent)) {
      if (differing.has(field as OpportunityField)) continue;
      base[field] = change.value;
      const now = pending[field];
      if (now && now.at === change.at && sameValue(now.value, change.value)) delete pending[field];
    }
    for (const field of differing) {
      base[field] = stored[field] ?? null;
      pending[field] ??= { value: sent[field]?.value ?? ours[field] ?? null, at: new Date().toISOString() };
    }
    o.pendingChanges = pending;
    o.haloValues = base;
  });
}
