import type { EntityManager } from '@mikro-orm/postgresql';
import { HaloConnectionRow, OutboxRow, Tenant } from '../db/entities';
import { buildChecklist, type Check, type ChecklistFacts } from './checklist';
import type { HaloAccess } from './halo-access';
import type { SettingsService } from './settings.service';
import type { LookupTablesService } from './lookup-tables.service';

/** Gathers the checklist's facts (ours from Postgres, Halo's through the cached catalog) and builds it. */
/** What the sync side knows for the checklist (wired in by the composition root). */
export interface SyncFacts {
  lastFullSyncAt(em: EntityManager, tenantId: string): Promise<Date | null>;
}

/** What the webhook side knows for the checklist: null when the webhooks were never installed. */
export interface WebhookFacts {
  checklistFacts(em: EntityManager, tenantId: string): Promise<ChecklistFacts['webhooks']>;
}

export class ChecklistService {
  syncFacts?: SyncFacts;
  webhookFacts?: WebhookFacts;

  constructor(
    private readonly access: HaloAccess,
    private readonly settings: SettingsService,
    private readonly lookupTables: LookupTablesService,
  ) {}

  async facts(em: EntityManager, tenantId: string): Promise<ChecklistFacts> {
    const [tenant, connection, settings] = await Promise.all([
      em.findOneOrFail(Tenant, { id: tenantId }),
      em.findOne(HaloConnectionRow, { tenantId, status: { $ne: 'DISCONNECTED' } }),
      this.settings.get(em, tenantId),
    ]);
    let productGroups: ChecklistFacts['productGroups'] = null;
    let primaryClientNow: ChecklistFacts['primaryClientNow'] = null;
    // A table Halo did not answer for is UNCHECKED in its own report; anything else leaves all three UNKNOWN, with why.
    let lookups: ChecklistFacts['lookups'] = null;
    let lookupsError: string | undefined;
    if (connection) {
      try {
        lookups = await this.lookupTables.reports(em, tenantId);
      } catch (err) {
        lookupsError = err instanceof Error ? err.message : String(err);
      }
    }
    let itemsWithoutGroup: ChecklistFacts['itemsWithoutGroup'] = null;
    if (connection) {
      try {
        const catalog = await this.access.catalogFor(em, tenantId);
        productGroups = await catalog.productGroups();
        if (settings.primaryClient) primaryClientNow = await catalog.client(settings.primaryClient.haloClientId);
        // Asked of Halo here: the sync lists items from the product groups only, so it never sees the others.
        itemsWithoutGroup = await catalog.itemsOutsideProductGroups();
      } catch {
        // Halo unreachable: those checks report UNKNOWN rather than failing the whole checklist.
      }
    }
    const lastFullSyncAt = this.syncFacts ? await this.syncFacts.lastFullSyncAt(em, tenantId) : null;
    // Only a working connection can be asked about webhooks; a failure to ask is not a verdict on them.
    const webhooks = connection && this.webhookFacts ? await this.webhookFacts.checklistFacts(em, tenantId).catch(() => null) : null;
    const storedDifferently = await em
      .find(OutboxRow, { tenantId, state: 'FAILED', lastErrorCode: 'HALO_STORED_DIFFERENTLY' }, { orderBy: { seq: 'desc' }, limit: 50 })
      .then((rows) => rows.map((r) => ({ kind: r.kind, targetId: r.targetId, error: r.lastError ?? '' })))
      .catch(() => null);
    return {
      tenantWebsite: tenant.website,
      connection: connection ? { status: connection.status, steps: connection.lastCheck, pipelineStagesEnabled: connection.pipelineStagesEnabled ?? null } : null,
      settings,
      primaryClientNow,
      productGroups,
      itemsWithoutGroup,
      webhooks,
      lastFullSyncAt,
      lookups,
      ...(lookupsError ? { lookupsError } : {}),
      storedDifferently,
    };
  }

  async checklist(em: EntityManager, tenantId: string): Promise<Check[]> {
    return buildChecklist(await this.facts(em, tenantId));
  }
}
