import type { EntityManager } from '@mikro-orm/postgresql';
import { Company, Contact, Item, Opportunity, OutboxRow, Quote, QuoteBundle, QuoteLine, Site } from '../../db/entities';
import type { HaloQuotation } from '../../halo';
import { PushRejected, settlePushState, type PushContext, type PushHandler, type SettleOutcome } from '../outbox';
import { buildQuotation } from '../quotation-payload';

/** A quote's pushes: the quotation (targeting it) and its status moves (targeting its opportunity). */
function settleQuote(em: EntityManager, row: OutboxRow, outcome: SettleOutcome): Promise<void> {
  const quoteId = row.kind === 'quote.status' ? String(row.payload?.quoteId) : row.targetId;
  return settlePushState(em, Quote, quoteId, row, outcome, { $or: [{ targetId: quoteId }, { kind: 'quote.status', payload: { quoteId } }] });
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
    return { haloId: opp.haloId };
  },
  settle: settleQuote,
};

/**
 * An accepted quote becomes a Halo quotation, exactly once: the quotation carries our reference, and any attempt
 * after one that may have reached Halo looks it up by that reference before creating.
 */
export const createQuotationHandler: PushHandler = {
  kind: 'quote.createQuotation',
  async push({ em, client, row, settings, mayHaveApplied }: PushContext) {
    const quote = await em.findOneOrFail(Quote, { id: row.targetId });
    if (quote.haloId) return { haloId: quote.haloId };
    const company = quote.companyId ? await em.findOne(Company, { id: quote.companyId }) : null;
    if (!company?.haloId) throw new PushRejected('The quote’s company is not in Halo, so Halo cannot hold its quotation.');
    const mapping = settings.quoteStatuses.find((m) => m.status === 'APPROVED');
    if (!mapping) throw new PushRejected('The Approved quote status is not mapped to a Halo quote status: set the quote status mapping, then retry.');
    const lines = await em.find(QuoteLine, { quoteId: quote.id }, { orderBy: { position: 'asc' } });
    const shippingItemId = settings.productDefaults.shippingItemId;
    if (quote.shippingCharge && Number(quote.shippingCharge) !== 0 && !shippingItemId) {
      throw new PushRejected('The quote has a shipping charge but no shipping product is set: choose one in the product defaults, then retry.');
    }

    let found: HaloQuotation | undefined;
    let salesOrderExpected = true;
    if (mayHaveApplied && quote.reference) {
      const candidates = await client.listAll('quotations', { client_id: company.haloId });
      found = candidates.find((q) => q.third_party_number === quote.reference);
    }
    if (!found) {
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
      const control = await client.settings().catch(() => null);
      // Unknown settings (a failed read): look for a sales order anyway.
      salesOrderExpected = control ? control.create_so_on_quote_approved === true : true;
      const payload = buildQuotation({
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
          };
        }),
        shipping: quote.shippingCharge && Number(quote.shippingCharge) !== 0 && shippingItemId
          ? { charge: quote.shippingCharge, haloItemId: shippingItemId, haloGroupId: shippingItem?.haloGroupId ?? null }
          : null,
        accountCodes: settings.accountCodes,
        createSalesOrder: control?.create_so_on_quote_approved === true,
        today: new Date(),
      });
      [found] = await client.upsert('quotations', [payload]);
    }

    // Record the quotation at once, in its own commit: a crash after this point cannot create it again.
    await em.transactional(async (tx) => {
      const q = await tx.findOneOrFail(Quote, { id: quote.id });
      q.haloId = Number(found!.id);
      q.haloQuoteStatusId = mapping.haloQuoteStatusId;
      q.salesOrderHaloId = found!.salesorder_id ? Number(found!.salesorder_id) : null;
      const haloLines = (found!.lines ?? []).filter((l) => !l.isgroupdesc && l.id);
      // Our lines keep Halo's line ids so later syncs of the quotation match them instead of adding copies.
      for (const l of await tx.find(QuoteLine, { quoteId: quote.id }, { orderBy: { position: 'asc' } })) {
        const match = haloLines.find((h) => h.name === l.description && Number(h.quantity) === Number(l.quantity) && !(h as { _taken?: boolean })._taken);
        if (match) {
          (match as { _taken?: boolean })._taken = true;
          l.haloId = Number(match.id);
        }
      }
    });
    if (!found!.salesorder_id && salesOrderExpected) {
      // Halo may create the sales order after the quotation is saved: read it back once.
      const fresh = await client.getById('quotations', Number(found!.id));
      if (fresh?.salesorder_id) await em.nativeUpdate(Quote, { id: quote.id }, { salesOrderHaloId: Number(fresh.salesorder_id) });
    }
    return { haloId: Number(found!.id) };
  },
  settle: settleQuote,
};
