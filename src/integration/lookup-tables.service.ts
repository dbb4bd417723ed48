import type { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_LOOKUP_IDS, HALO_LOOKUPS, HALO_LOOKUP_TITLES, UNKNOWN_LOOKUPS, type HaloLookupIds, type HaloLookupName, type UnknownLookupName } from '../halo/facts';
import type { HaloLookup } from '../halo';
import { HaloError } from '../halo';
import type { HaloAccess } from './halo-access';
import { verifyLookupTables, servable, preview, type LookupIdSource, type LookupTableReport, type SyncedLookupEvidence } from './lookup-tables';
import { effectiveLookupIds, type IntegrationSettingsDoc } from './settings';
import type { SettingsService } from './settings.service';
import { validateLookupIds, type FieldError, type PipelineStagesForValidation } from './validate';

/** A lookup whose id is unknown failed its check: its rows are not served as what they claim to be. */
export class LookupUnverifiedError extends Error {
  readonly code = 'HALO_LOOKUP_UNVERIFIED';
  constructor(readonly report: LookupTableReport) {
    super(`${report.title} cannot be shown: lookup ${report.lookupId} failed its check. ${report.detail}${report.fix ? ` Fix: ${report.fix}` : ''}`);
  }
}

/** How many distinct values of each kind of synced evidence are compared (plenty to catch a wrong table). */
const EVIDENCE_LIMIT = 200;

/**
 * Reads and checks the lookup tables a tenant's features use: the ids in use (constants, defaults or the admin's),
 * the rows (through the tenant's cached catalog) and what our synced records say Halo resolved (Postgres).
 */
export class LookupTablesService {
  constructor(
    private readonly access: HaloAccess,
    private readonly settings: SettingsService,
  ) {}

  /** What Halo resolved on the records we synced: country and region names on sites, stage names on opportunities. */
  async evidence(em: EntityManager, tenantId: string): Promise<SyncedLookupEvidence> {
    const conn = em.getConnection();
    const [countries, regions, stages] = await Promise.all([
      conn.execute<{ code: string; name: string }[]>(
        `select distinct country_code as code, country_name as name from site
          where tenant_id = ? and deleted_at is null and coalesce(country_code, '') <> '' and coalesce(country_name, '') <> '' limit ${EVIDENCE_LIMIT}`,
        [tenantId],
      ),
      conn.execute<{ name: string }[]>(
        `select distinct region_name as name from site where tenant_id = ? and deleted_at is null and coalesce(region_name, '') <> '' limit ${EVIDENCE_LIMIT}`,
        [tenantId],
      ),
      conn.execute<{ id: number; name: string }[]>(
        `select distinct pipeline_stage_id as id, pipeline_stage_name as name from opportunity
          where tenant_id = ? and deleted_at is null and pipeline_stage_id > 0 and coalesce(pipeline_stage_name, '') <> '' limit ${EVIDENCE_LIMIT}`,
        [tenantId],
      ),
    ]);
    return {
      siteCountries: countries.map((r) => ({ code: r.code, name: r.name })),
      siteRegions: regions.map((r) => r.name),
      opportunityStages: stages.map((r) => ({ id: Number(r.id), name: r.name })),
    };
  }

  /**
   * Every lookup table with the id in use, where it comes from and its check. `lookupIds` replaces the stored
   * settings' ids (to check an admin's input before saving it). Throws NotConnectedError without a connection.
   */
  async reports(em: EntityManager, tenantId: string, lookupIds?: Partial<HaloLookupIds>): Promise<LookupTableReport[]> {
    const settings: Pick<IntegrationSettingsDoc, 'lookupIds'> = lookupIds ? { lookupIds } : await this.settings.get(em, tenantId);
    const catalog = await this.access.catalogFor(em, tenantId);
    const unknown = effectiveLookupIds(settings);
    const ids = {
      customerType: { id: HALO_LOOKUPS.customerType.value, source: 'CONFIRMED' },
      quoteStatus: { id: HALO_LOOKUPS.quoteStatus.value, source: 'CONFIRMED' },
      ...unknown,
    } satisfies Record<HaloLookupName, { id: number; source: LookupIdSource }>;
    const rows = new Map<number, HaloLookup[] | { error: unknown }>();
    await Promise.all(
      [...new Set(Object.values(ids).map((x) => x.id))].map(async (id) => {
        rows.set(id, await catalog.lookupRows(id).catch((error: unknown) => ({ error })));
      }),
    );
    return verifyLookupTables({ ids, rows, evidence: await this.evidence(em, tenantId) });
  }

  /**
   * The report of one lookup whose id is unknown, when its rows may be served; else LookupUnverifiedError (or the
   * Halo error that stopped the check).
   */
  async servable(em: EntityManager, tenantId: string, key: UnknownLookupName): Promise<LookupTableReport> {
    const report = (await this.reports(em, tenantId)).find((r) => r.key === key)!;
    if (report.verdict === 'UNCHECKED' && report.error instanceof HaloError) throw report.error;
    if (!servable(report)) throw new LookupUnverifiedError(report);
    return report;
  }

  /** Pipeline stages for validating the quote-status mapping: rows once checked, else why not. */
  async stagesForValidation(em: EntityManager, tenantId: string): Promise<PipelineStagesForValidation> {
    const report = (await this.reports(em, tenantId)).find((r) => r.key === 'pipelineStage')!;
    if (report.verdict === 'UNCHECKED' && report.error instanceof HaloError) throw report.error;
    return servable(report) ? { rows: report.rows.map((r) => ({ id: r.id, name: r.name })) } : { unverified: `lookup ${report.lookupId}: ${report.detail}` };
  }

  /**
   * Validates an admin's lookup ids: format (positive, distinct, not a confirmed table), then each id set is
   * checked against Halo's rows. Returns the ids to store, or every field error.
   */
  async validate(
    em: EntityManager,
    tenantId: string,
    input: Partial<Record<UnknownLookupName, number | null>>,
  ): Promise<{ errors: FieldError[]; next: Partial<HaloLookupIds> }> {
    const current = (await this.settings.get(em, tenantId)).lookupIds;
    const { errors, next } = validateLookupIds(input, current, DEFAULT_LOOKUP_IDS);
    if (errors.length) return { errors, next };
    const reports = await this.reports(em, tenantId, next);
    for (const key of UNKNOWN_LOOKUPS) {
      if (input[key] == null) continue;
      const r = reports.find((x) => x.key === key)!;
      if (r.verdict === 'UNCHECKED' && r.error instanceof HaloError) throw r.error;
      if (!servable(r)) {
        errors.push({
          path: key,
          code: 'LOOKUP_MISMATCH',
          message: `Lookup ${r.lookupId} does not look like Halo's ${HALO_LOOKUP_TITLES[key]}: ${r.detail} It holds: ${preview(r.rows)}. Choose the id of Halo's ${HALO_LOOKUP_TITLES[key]} table.`,
        });
      }
    }
    return { errors, next };
  }
}
