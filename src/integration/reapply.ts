import type { EntityManager } from '@mikro-orm/postgresql';
import {
  addressFor,
  groupAccountCodeFor,
  importedTypesChanged,
  isProspectFor,
  opportunityStatusFor,
  productTypeFor,
  quoteStatusFor,
  quoteStatusNeedsName,
  haloAddressLines,
} from './mapping-rules';
import { ADDRESS_FIELDS, DEFAULT_ADDRESS_MAPPING, type IntegrationSettingsDoc, type SettingsSection } from './settings';

/**
 * A saved mapping reaches the records we already store at once, in the transaction that saves it: each decision is
 * the sync mapper's own (`mapping-rules.ts`), applied to the Halo values the rows keep (their Halo group, status,
 * customer type and account flag, address lines, status name), so no Halo call is made and the next sync agrees.
 *
 * Only rows mirrored from Halo are touched (a Halo id, not deleted, no push in flight: a queued push carries our own
 * values). Content hashes stay as they are: a sync still running with the old mapping then leaves unchanged records
 * alone, and the next sync rewrites each record once with the same values.
 *
 * What stored rows cannot answer is fetched instead: records of opportunity types newly imported, and rows synced
 * before they kept the Halo value a decision reads. Those entities are named in `resync`; the caller starts a full
 * sync of them.
 */

/** Sync entity names (`src/sync/entities.ts`) that a saved mapping may need fetched again in full. */
export type ResyncEntity = 'productGroups' | 'companies' | 'sites' | 'items' | 'opportunities' | 'quotes';

export interface ReapplyOutcome {
  /** Rows rewritten, per table. */
  updated: Record<string, number>;
  /** Entities to sync in full (see above); empty when the stored rows said everything. */
  resync: ResyncEntity[];
}

type SqlType = 'int' | 'text' | 'boolean';
type Row = Record<string, unknown>;

interface KeyedUpdate {
  table: string;
  /** The Halo values the decision reads (columns of the table). */
  keys: { col: string; type: SqlType }[];
  /** The columns the decision sets. */
  values: { col: string; type: SqlType }[];
  /** The decision for one distinct key; undefined when the row lacks a Halo value it needs. */
  decide(key: Row): Row | undefined;
  /** SET clause over `t` (the row) and `v` (the decision); default: each value column from v. */
  assign?: string;
  /** When a row differs from its decision; default: any value column distinct. */
  differs?: string;
}

/** The rows a mapping may rewrite: mirrored from Halo, present there, no push of ours in flight. */
const MIRRORED = `t."tenant_id" = ? and t."halo_id" is not null and t."deleted_at" is null and t."push_state" is distinct from 'PENDING'`;

/**
 * One decision per distinct key (a handful: groups, statuses, types), then one set-based statement writing the rows
 * whose stored values differ. Returns the rows written and whether some keys could not be decided.
 */
async function updateByKeys(em: EntityManager, tenantId: string, spec: KeyedUpdate): Promise<{ updated: number; undecided: boolean }> {
  const conn = em.getConnection();
  const keyList = spec.keys.map((k) => `t."${k.col}"`).join(', ');
  const keys = await conn.execute<Row[]>(`select distinct ${keyList} from "${spec.table}" t where ${MIRRORED}`, [tenantId]);
  const decided: { key: Row; out: Row }[] = [];
  let undecided = false;
  for (const key of keys) {
    const out = spec.decide(key);
    if (out === undefined) undecided = true;
    else decided.push({ key, out });
  }
  if (!decided.length) return { updated: 0, undecided };
  const cols = [...spec.keys, ...spec.values];
  const params: unknown[] = [];
  const tuples = decided.map(({ key, out }) => {
    for (const c of cols) params.push((spec.keys.includes(c) ? key[c.col] : out[c.col]) ?? null);
    return `(${cols.map((c) => `?::${c.type}`).join(', ')})`;
  });
  const assign = spec.assign ?? spec.values.map((c) => `"${c.col}" = v."${c.col}"`).join(', ');
  const differs = spec.differs ?? spec.values.map((c) => `t."${c.col}" is distinct from v."${c.col}"`).join(' or ');
  const rows = await conn.execute<{ id: string }[]>(
    `update "${spec.table}" t set ${assign}, "updated_at" = now()
       from (values ${tuples.join(', ')}) as v(${cols.map((c) => `"${c.col}"`).join(', ')})
      where ${MIRRORED} and ${spec.keys.map((k) => `t."${k.col}" is not distinct from v."${k.col}"`).join(' and ')} and (${differs})
      returning t."id"`,
    [...params, tenantId],
  );
  return { updated: rows.length, undecided };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Sites: the address decision reads each row's own lines, so rows are read and written in batches. */
async function reapplyAddresses(em: EntityManager, tenantId: string, after: IntegrationSettingsDoc): Promise<{ updated: number; undecided: boolean }> {
  const conn = em.getConnection();
  const cols = ADDRESS_FIELDS.map((f) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  let updated = 0;
  let undecided = false;
  let lastId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await conn.execute<Row[]>(
      `select t."id", t."halo_address", ${cols.map((c) => `t."${c}"`).join(', ')} from "site" t where ${MIRRORED} and t."id" > ? order by t."id" limit 1000`,
      [tenantId, lastId],
    );
    if (!rows.length) break;
    lastId = String(rows[rows.length - 1]!.id);
    const changed: { id: string; values: (string | null)[] }[] = [];
    for (const r of rows) {
      if (r.halo_address === null || r.halo_address === undefined) {
        undecided = true;
        continue;
      }
      const address = addressFor(after, haloAddressLines(r.halo_address as Record<string, unknown>));
      const values = ADDRESS_FIELDS.map((f) => address[f]);
      if (values.some((v, i) => v !== (r[cols[i]!] ?? null))) changed.push({ id: String(r.id), values });
    }
    if (changed.length) {
      const params = changed.flatMap((c) => [c.id, ...c.values]);
      const tuples = changed.map(() => `(?::uuid, ${cols.map(() => '?::text').join(', ')})`);
      const written = await conn.execute<{ id: string }[]>(
        `update "site" t set ${cols.map((c) => `"${c}" = v."${c}"`).join(', ')}, "updated_at" = now()
           from (values ${tuples.join(', ')}) as v("id", ${cols.map((c) => `"${c}"`).join(', ')})
          where t."id" = v."id" and ${MIRRORED} returning t."id"`,
        [...params, tenantId],
      );
      updated += written.length;
    }
  }
  return { updated, undecided };
}

async function holdsMirrored(em: EntityManager, tenantId: string, table: string): Promise<boolean> {
  const rows = await em.getConnection().execute<{ one: number }[]>(`select 1 as one from "${table}" t where t."tenant_id" = ? and t."halo_id" is not null limit 1`, [tenantId]);
  return rows.length > 0;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Re-applies the saved `section` (now `after`, before the save `before`) to the tenant's stored records. */
export async function reapplyMappings(
  em: EntityManager,
  tenantId: string,
  section: SettingsSection,
  before: IntegrationSettingsDoc,
  after: IntegrationSettingsDoc,
): Promise<ReapplyOutcome> {
  const updated: Record<string, number> = {};
  const resync = new Set<ResyncEntity>();
  const run = async (entity: ResyncEntity, table: string, work: Promise<{ updated: number; undecided: boolean }>) => {
    const r = await work;
    updated[table] = (updated[table] ?? 0) + r.updated;
    if (r.undecided) resync.add(entity);
  };

  switch (section) {
    case 'productGroups': {
      const productType = (id: unknown) => ({ product_type: productTypeFor(after, num(id)) });
      await run('items', 'item', updateByKeys(em, tenantId, { table: 'item', keys: [{ col: 'halo_group_id', type: 'int' }], values: [{ col: 'product_type', type: 'text' }], decide: (k) => productType(k.halo_group_id) }));
      await run('productGroups', 'product_group', updateByKeys(em, tenantId, { table: 'product_group', keys: [{ col: 'halo_id', type: 'int' }], values: [{ col: 'product_type', type: 'text' }], decide: (k) => productType(k.halo_id) }));
      break;
    }
    case 'accountCodes':
      await run(
        'productGroups',
        'product_group',
        updateByKeys(em, tenantId, {
          table: 'product_group',
          keys: [{ col: 'halo_id', type: 'int' }, { col: 'halo_account_code', type: 'text' }],
          values: [{ col: 'account_code', type: 'text' }],
          decide: (k) => {
            const id = Number(k.halo_id);
            const own = after.accountCodes.groups.some((g) => g.haloGroupId === id);
            // Without a code of the tenant's, the group's is Halo's own: unknown for rows synced before it was kept.
            if (!own && k.halo_account_code === null) return undefined;
            return { account_code: groupAccountCodeFor(after, id, str(k.halo_account_code)) };
          },
        }),
      );
      break;
    case 'opportunities':
      // A status edited here and not yet in Halo stands (as in the sync's merge); Halo's side, the base of the next
      // conflict check, follows the mapping either way.
      await run(
        'opportunities',
        'opportunity',
        updateByKeys(em, tenantId, {
          table: 'opportunity',
          keys: [{ col: 'halo_status_id', type: 'int' }],
          values: [{ col: 'status', type: 'text' }],
          decide: (k) => ({ status: opportunityStatusFor(after, num(k.halo_status_id)) }),
          assign: `"status" = case when t."pending_changes" -> 'status' is not null then t."status" else v."status" end,
                   "halo_values" = case when t."halo_values" is null then null else jsonb_set(t."halo_values", '{status}', coalesce(to_jsonb(v."status"), 'null'::jsonb)) end`,
          differs: `(t."pending_changes" -> 'status' is null and t."status" is distinct from v."status")
                    or (t."halo_values" is not null and t."halo_values" -> 'status' is distinct from coalesce(to_jsonb(v."status"), 'null'::jsonb))`,
        }),
      );
      // Records of a newly imported type were never fetched; those of a type no longer imported are dropped by a full
      // run. A tenant holding no opportunities yet gets them all with its first sync.
      if (importedTypesChanged(before, after) && (await holdsMirrored(em, tenantId, 'opportunity'))) resync.add('opportunities').add('quotes');
      break;
    case 'companies': {
      if (!same(before.companies?.prospectTypeId, after.companies?.prospectTypeId)) {
        await run(
          'companies',
          'company',
          updateByKeys(em, tenantId, {
            table: 'company',
            keys: [{ col: 'halo_customer_type_id', type: 'int' }, { col: 'halo_is_account', type: 'boolean' }],
            values: [{ col: 'is_prospect', type: 'boolean' }],
            decide: (k) => {
              const customerTypeId = num(k.halo_customer_type_id);
              if (k.halo_is_account === null) {
                // Without Halo's own flag only "the mapped prospect type" decides; anything else needs Halo.
                return isProspectFor(after, { isAccount: false, customerTypeId }) ? { is_prospect: true } : undefined;
              }
              return { is_prospect: isProspectFor(after, { isAccount: k.halo_is_account === true, customerTypeId }) };
            },
          }),
        );
      }
      if (!same(before.companies?.address ?? DEFAULT_ADDRESS_MAPPING, after.companies?.address ?? DEFAULT_ADDRESS_MAPPING)) {
        await run('sites', 'site', reapplyAddresses(em, tenantId, after));
      }
      break;
    }
    case 'quoteStatuses':
      await run(
        'quotes',
        'quote',
        updateByKeys(em, tenantId, {
          table: 'quote',
          keys: [{ col: 'halo_quote_status_id', type: 'int' }, { col: 'halo_status_name', type: 'text' }],
          values: [{ col: 'status', type: 'text' }],
          decide: (k) => {
            const haloQuoteStatusId = num(k.halo_quote_status_id);
            // An unmapped Halo status falls back to its name, which rows synced before it was kept do not have.
            if (k.halo_status_name === null && quoteStatusNeedsName(after, haloQuoteStatusId)) return undefined;
            return { status: quoteStatusFor(after, { haloQuoteStatusId, statusName: str(k.halo_status_name) }) };
          },
        }),
      );
      break;
    default:
      // primaryClient, productDefaults, lookupIds: they shape what we send to Halo, not the records we store.
      break;
  }
  return { updated, resync: [...resync] };
}
