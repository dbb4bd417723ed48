import type { EntityManager } from '@mikro-orm/postgresql';
import { Company, Contact, Item, Opportunity, OutboxRow, Quote, QuoteBundle, QuoteLine, Site } from '../../db/entities';
import type { HaloQuotation } from '../../halo';
import { quoteLineFieldNames } from '../../integration/settings';
import { HaloStoredDifferently, PushRejected, settlePushState, type PushContext, type PushHandler, type SettleOutcome } from '../outbox';
import { buildQuotation, compareQuotation } from '../quotation-payload';
import { compareTicket } from './opportunity-payload';
import { mapTicket } from '../../sync/mappers';

/** A quote's pushes: the quotation (targeting it) and its status moves (targeting its opportunity). */
function settleQuote(em: EntityManager, row: OutboxRow, outcome: SettleOutcome): Promise<void> {
  const quoteId = row.kind === 'quote.status' ? String(row.payload?.quoteId) : row.targetId;
  return settlePushState(em, Quote, quoteId, row, outcome, { $or: [{ targetId: quoteId }, { kind: 'quote.status', payload: { quoteId } }] });
}

/** A status move settles the quote that caused it and the opportunity it moves (each by its own open pushes). */
async function settleQuoteStatus(em: EntityManager, row: OutboxRow, outcome: SettleOutcome): Promise<void> {
  // Opportunity first, then quote: the order setStatus takes them in, so the two never wait on each other in a cycle.
  await settlePushState(em, Opportunity, row.targetId, row, outcome);
  await settleQuote(em, row, outcome);
}

/**
 * Status changes move the linked Halo opportunity (ticket status and/or pipeline stage) per the mapping. The push
 * is queued on the opportunity (its target), so it runs after the opportunity's own pushes and in the order the
 * statuses were set, whichever quote set them.
 */
export const quoteStatusHandler: PushHandler = {
  kind: 'quote.status',
  async push({ em, client, row, settings }: PushContext) {
    const status = String(row.payload?.status ?? '');
    const quote = await em.findOneOrFail(Quote, { id: String(row.payload?.quoteId) });
    if (!quote.opportunityId) return {};
    const mapping = settings.quoteStatuses.find((m) => m.status === status);
    if (!mapping) throw new PushRejected(`The ${status} quote status is not mapped to Halo: set the quote status mapping, then retry.`);
    const opp = await em.findOneOrFail(Opportunity, { id: quote.opportunityId });
    // An opportunity created here may not have reached Halo yet: retried with backoff until it has.
    if (!opp.haloId) throw new Error('the linked opportunity is not in Halo yet');
    const patch: Record<string, unknown> = { id: opp.haloId };
    if (mapping.haloOpportunityStatusId !== null) patch.status_id = mapping.haloOpportunityStatusId;
    if (mapping.haloPipelineStageId !== null) patch.pipeline_stage_id = mapping.haloPipelineStageId;
    // An update by id is idempotent: sending it twice leaves the same ticket.
    await client.upsert('tickets', [patch]);
    const stored = await client.getById('tickets', opp.haloId);
    if (!stored) throw new PushRejected(`Ticket ${opp.haloId} is no longer in Halo (deleted there), so the opportunity cannot follow the quote.`);
    const differences = compareTicket(patch, stored);
    // What Halo holds now (names included) is our copy's state and its base for later edits, whatever the outcome.
    const read = mapTicket(stored, settings);
    // An own edit of the status not yet in Halo stays (the opportunity's push settles it).
    if (!('skip' in read) && !opp.pendingChanges?.status) {
      const held = { status: read.row.status, haloStatusId: read.row.haloStatusId, haloStatusName: read.row.haloStatusName, pipelineStageId: read.row.pipelineStageId, pipelineStageName: read.row.pipelineStageName };
      const haloValues = opp.haloValues ? { ...opp.haloValues, status: read.row.status } : opp.haloValues;
      await em.nativeUpdate(Opportunity, { id: opp.id }, { ...held, haloValues });
    }
    if (differences.length) {
      throw new HaloStoredDifferently(
        'opportunity',
        opp.haloId,
        differences,
        `Check that the ${status} quote status mapping names a status and pipeline stage this opportunity can take in Halo (pipeline stages enabled, the status allowed for its ticket type), then retry the push (retryPush).`,
      );
    }
    return { haloId: opp.haloId };
  },
  settle: settleQuoteStatus,
};

/**
 * An accepted quote becomes a Halo quotation, exactly once, and is read back: the quotation carries our reference,
 * and any attempt after one that may have reached Halo looks it up by that reference before creating. Its Halo id
 * is committed at once; every later attempt (a retry after a failure) updates that quotation in place. After each
 * write the quotation is read from Halo and compared with what was sent (`compareQuotation`); a difference fails
 * the push with HALO_STORED_DIFFERENTLY. Only a quotation Halo holds as sent is asked for its sales order.
 */
export const createQuotationHandler: PushHandler = {
  kind: 'quote.createQuotation',
  async push({ em, client, row, settings, mayHaveApplied }: PushContext) {
    const quote = await em.findOneOrFail(Quote, { id: row.targetId }, { refresh: true });
    const company = quote.companyId ? await em.findOne(Company, { id: quote.companyId }) : null;
    if (!company?.haloId) throw new PushRejected('The quote’s company is not in Halo, so Halo cannot hold its quotation.');
    const mapping = settings.quoteStatuses.find((m) => m.status === 'APPROVED');
    if (!mapping) throw new PushRejected('The Approved quote status is not mapped to a Halo quote status: set the quote status mapping, then retry.');
    const lines = await em.find(QuoteLine, { quoteId: quote.id }, { orderBy: { position: 'asc' } });
    const shippingItemId = settings.productDefaults.shippingItemId;
    if (quote.shippingCharge && Number(quote.shippingCharge) !== 0 && !shippingItemId) {
      throw new PushRejected('The quote has a shipping charge but no shipping product is set: choose one in the product defaults, then retry.');
    }

    let haloId = quote.haloId ?? null;
    if (haloId == null && mayHaveApplied && quote.reference) {
      const candidates = await client.listAll('quotations', { client_id: company.haloId });
      const found = candidates.find((q) => q.third_party_number === quote.reference);
      if (found) haloId = Number(found.id);
    }
    const [bundles, items, site, contact, opp] = await Promise.all([
      em.find(QuoteBundle, { quoteId: quote.id }),
      em.find(Item, { id: { $in: lines.map((l) => l.itemId).filter((x): x is string => !!x) } }),
      em.findOne(Site, { companyId: company.id, deletedAt: null, haloId: { $ne: null } }, { orderBy: { haloId: 'asc' } }),
      quote.contactId ? em.findOne(Contact, { id: quote.contactId }) : null,
      quote.opportunityId ? em.findOne(Opportunity, { id: quote.opportunityId }) : null,
    ]);
    const byId = new Map(items.map((i) => [i.id, i]));
    const bundleOf = new Map(bundles.map((b) => [b.id, b]));
    const shippingItem = shippingItemId ? await em.findOne(Item, { tenantId: quote.tenantId, haloId: shippingItemId }) : null;
    const lineFields = quoteLineFieldNames(settings);
    const payload = buildQuotation({
      haloId,
      title: quote.title,
      reference: quote.reference ?? quote.id,
      validUntil: quote.validUntil ?? null,
      haloQuoteStatusId: mapping.haloQuoteStatusId,
      haloClientId: company.haloId,
      haloSiteId: site?.haloId ?? null,
      haloUserId: contact?.haloId ?? null,
      haloTicketId: opp?.haloId ?? null,
      lines: lines.map((l) => {
        const item = l.itemId ? byId.get(l.itemId) : undefined;
        const b = l.bundleId ? bundleOf.get(l.bundleId) : undefined;
        return {
          position: l.position,
          description: l.description,
          quantity: l.quantity,
          unitPrice: l.unitPrice,
          unitCost: l.unitCost ?? null,
          recurring: l.recurring,
          billingPeriod: l.billingPeriod ?? null,
          haloItemId: item?.haloId ?? l.haloItemId ?? null,
          haloGroupId: item?.haloGroupId ?? null,
          haloTaxCode: item?.haloTaxCode ?? null,
          accountCodeOverride: item?.accountCodeOverride ?? null,
          bundle: b ? { name: b.name, position: b.position } : null,
          haloLineId: haloId != null ? (l.haloId ?? null) : null,
        };
      }),
      shipping: quote.shippingCharge && Number(quote.shippingCharge) !== 0 && shippingItemId
        ? { charge: quote.shippingCharge, haloItemId: shippingItemId, haloGroupId: shippingItem?.haloGroupId ?? null }
        : null,
      accountCodes: settings.accountCodes,
      lineFields,
      today: new Date(),
    });
    const [saved] = await client.upsert('quotations', [payload.body]);
    const id = Number(saved?.id ?? haloId);
    // Without an id we cannot tell which quotation it is: the retry finds it by reference.
    if (!id) throw new Error('Halo saved the quotation but returned no id');
    // Recorded at once, in its own commit: a crash after this point cannot create it again.
    await em.nativeUpdate(Quote, { id: quote.id }, { haloId: id, haloQuoteStatusId: mapping.haloQuoteStatusId });

    const stored = await client.quotationWithLines(id);
    if (!stored) throw new PushRejected(`Quotation ${id} is no longer in Halo (deleted there right after it was saved).`);
    await recordLineIds(em, quote.id, payload.positions, stored);
    const differences = compareQuotation(payload.body, stored, lineFields);
    if (differences.length) {
      throw new HaloStoredDifferently(
        'quotation',
        id,
        differences,
        'If a line’s quantity or unit price is missing or wrong, your Halo reads them under other field names: set them (setHaloQuoteLineFields), then retry the push (retryPush). A retry updates this quotation; it does not create another.',
      );
    }

    let salesOrderId = Number(stored.salesorder_id) || null;
    if (!salesOrderId) {
      const control = await client.settings().catch(() => null);
      if (control?.create_so_on_quote_approved === true) {
        const [ordered] = await client.upsert('quotations', [{ id, _create_so: true }]);
        // Halo may create the sales order after the answer: read it back once.
        salesOrderId = Number(ordered?.salesorder_id) || Number((await client.getById('quotations', id))?.salesorder_id) || null;
      }
    }
    if (salesOrderId) await em.nativeUpdate(Quote, { id: quote.id }, { salesOrderHaloId: salesOrderId });
    return { haloId: id };
  },
  settle: settleQuote,
};

/**
 * Our lines keep Halo's line ids, so later syncs of the quotation match them instead of adding copies and a retry
 * updates them in place. A sent line's `sort_seq` is its place in the payload, `positions` says whose it is.
 */
async function recordLineIds(em: EntityManager, quoteId: string, positions: (number | null)[], stored: HaloQuotation): Promise<void> {
  const idAt = new Map<number, number>();
  for (const l of stored.lines ?? []) {
    const position = positions[Number(l.sort_seq) - 1];
    if (position != null && l.id) idAt.set(position, Number(l.id));
  }
  await em.transactional(async (tx) => {
    for (const l of await tx.find(QuoteLine, { quoteId }, { orderBy: { position: 'asc' } })) {
      const haloLineId = idAt.get(l.position);
      if (haloLineId !== undefined) l.haloId = haloLineId;
    }
  });
}
