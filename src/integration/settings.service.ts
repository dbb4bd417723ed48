import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { ConfigChange, IntegrationSettingsRow } from '../db/entities';
import { withDefaults, type IntegrationSettingsDoc, type SettingsSection } from './settings';
import type { FieldError } from './validate';
import { InputError } from '../common/input-error';
import { reapplyMappings, type ReapplyOutcome } from './reapply';

/** Mapping input Halo does not accept (unknown ids, duplicates, conflicts). */
export class SettingsValidationError extends InputError {}

/**
 * Reads and saves the settings document; every save is validated first, atomic, recorded in the history, and
 * re-applied to the stored records it shapes in the same transaction (`reapply.ts`).
 */
export class SettingsService {
  async get(em: EntityManager, tenantId: string): Promise<IntegrationSettingsDoc> {
    const row = await em.findOne(IntegrationSettingsRow, { tenantId });
    return withDefaults(row?.doc as Partial<IntegrationSettingsDoc> | undefined);
  }

  async save<S extends SettingsSection>(
    em: EntityManager,
    tenantId: string,
    apiKeyId: string,
    section: S,
    value: IntegrationSettingsDoc[S],
    errors: FieldError[],
  ): Promise<IntegrationSettingsDoc> {
    return (await this.saveSection(em, tenantId, apiKeyId, section, value, errors)).doc;
  }

  /**
   * Like `save`, also saying what the stored records needed: rows rewritten, and entities to sync in full. `value` may
   * be a function of the stored section (read under the row lock), for sections set field by field.
   */
  async saveSection<S extends SettingsSection>(
    em: EntityManager,
    tenantId: string,
    apiKeyId: string,
    section: S,
    value: IntegrationSettingsDoc[S] | ((current: IntegrationSettingsDoc[S]) => IntegrationSettingsDoc[S]),
    errors: FieldError[],
  ): Promise<{ doc: IntegrationSettingsDoc; reapplied: ReapplyOutcome }> {
    if (errors.length) throw new SettingsValidationError(errors);
    return em.transactional(async (tx) => {
      // Two admins saving different sections at once must not lose either change: lock the row, then merge.
      await tx.getConnection().execute(
        `insert into integration_settings (tenant_id, doc) values (?, '{}'::jsonb) on conflict (tenant_id) do nothing`,
        [tenantId],
      );
      const row = await tx.findOneOrFail(IntegrationSettingsRow, { tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const doc = withDefaults(row.doc as Partial<IntegrationSettingsDoc>);
      const before = doc[section];
      const after = typeof value === 'function' ? value(before) : value;
      row.doc = { ...doc, [section]: after };
      row.version += 1;
      tx.create(ConfigChange, { tenantId, apiKeyId, section, before, after });
      const saved = withDefaults(row.doc as Partial<IntegrationSettingsDoc>);
      // The row lock above also orders re-applications: two saves of one tenant never interleave their rewrites.
      const reapplied = await reapplyMappings(tx, tenantId, section, doc, saved);
      return { doc: saved, reapplied };
    });
  }

  async history(em: EntityManager, tenantId: string, opts: { first: number; section?: string | null }): Promise<ConfigChange[]> {
    return em.find(
      ConfigChange,
      { tenantId, ...(opts.section ? { section: opts.section } : {}) },
      { orderBy: { at: 'desc', id: 'desc' }, limit: opts.first },
    );
  }
}
