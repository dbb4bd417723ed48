import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, Tenant } from '../db/entities';

const KEY_PREFIX = 'hsk_';

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function normaliseWebsite(input: string): string {
  const trimmed = input.trim().toLowerCase();
  const withoutScheme = trimmed.replace(/^[a-z]+:\/\//, '');
  return withoutScheme.replace(/^www\./, '').replace(/\/.*$/, '');
}

export class TenantInputError extends Error {}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Creates a tenant and its first API key. The key is returned once and only its hash is stored: 32 random bytes,
 * so a SHA-256 (no salt, no stretching) is as strong as the key itself and can be looked up by equality.
 */
export async function createTenant(
  em: EntityManager,
  input: { name: string; website: string; demo?: boolean },
): Promise<{ tenant: Tenant; apiKey: string }> {
  const name = input.name.trim();
  const website = normaliseWebsite(input.website);
  const problems: string[] = [];
  if (!name) problems.push('name must not be empty');
  if (name.length > 200) problems.push('name must be at most 200 characters');
  if (!HOSTNAME.test(website)) problems.push(`website must be a domain like "acme.example" (got "${input.website}")`);
  if (problems.length) throw new TenantInputError(problems.join('; '));

  const tenant = em.create(Tenant, { name, website, demo: input.demo ?? false });
  const { key } = issueApiKey(em, tenant.id);
  await em.flush();
  return { tenant, apiKey: key };
}

export function issueApiKey(em: EntityManager, tenantId: string, label?: string): { key: string; row: ApiKey } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = em.create(ApiKey, {
    tenantId,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, KEY_PREFIX.length + 6),
    label: label ?? null,
  });
  return { key, row };
}

/** The tenant a bearer key acts for, or null for a missing, unknown or revoked key. */
export async function authenticateApiKey(
  em: EntityManager,
  key: string | undefined,
): Promise<{ tenantId: string; apiKeyId: string } | null> {
  if (!key || !key.startsWith(KEY_PREFIX) || key.length > 200) return null;
  // Every request passes here: one indexed lookup, no entity built (no identity map, no change tracking). The join:
  // a key whose tenant is gone (deleted, even by hand in SQL) authenticates nobody.
  const row = (await em
    .getConnection()
    .execute(
      `select k."id", k."tenant_id" from "api_key" k join "tenant" t on t."id" = k."tenant_id" where k."key_hash" = ? and k."revoked_at" is null limit 1`,
      [hashApiKey(key)],
      'get',
    )) as
    | { id: string; tenant_id: string }
    | undefined;
  return row ? { tenantId: row.tenant_id, apiKeyId: row.id } : null;
}

/** A tenant's keys, newest first: never the key itself (only its hash is stored), its prefix to tell them apart. */
export async function listApiKeys(em: EntityManager, tenantId: string): Promise<ApiKey[]> {
  return em.find(ApiKey, { tenantId }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}

/**
 * Revokes one key of the tenant, named by its id or its prefix (as `listApiKeys` shows them): requests with it
 * answer 401 from the next request on. Throws TenantInputError when no key, or more than one, matches.
 */
export async function revokeApiKey(em: EntityManager, tenantId: string, idOrPrefix: string): Promise<ApiKey> {
  const keys = await listApiKeys(em, tenantId);
  const matches = keys.filter((k) => k.id === idOrPrefix || k.prefix === idOrPrefix);
  if (matches.length !== 1) {
    const known = keys.map((k) => `${k.prefix} (${k.id})${k.revokedAt ? ' revoked' : ''}`).join(', ') || 'none';
    throw new TenantInputError(`${matches.length ? 'several keys match' : 'no key matches'} "${idOrPrefix}"; the tenant's keys: ${known}`);
  }
  const [key] = matches;
  key.revokedAt ??= new Date();
  await em.flush();
  return key;
}

/**
 * Deletes a tenant and every row that belongs to it, in one transaction: each table of the schema with a
 * `tenant_id` column (found in the catalogue, so a table added later is included), then the tenant itself.
 * Returns the rows deleted per table.
 */
export async function deleteTenant(em: EntityManager, tenantId: string): Promise<Record<string, number>> {
  return em.transactional(async (tx) => {
    const conn = tx.getConnection();
    const tables = (await conn.execute(
      `select c.table_name from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = current_schema() and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
        order by c.table_name`,
    )) as { table_name: string }[];
    const deleted: Record<string, number> = {};
    for (const { table_name: table } of tables) {
      const res = await conn.execute(`delete from "${table.replace(/"/g, '""')}" where "tenant_id" = ?`, [tenantId], 'run');
      const count = (res as { affectedRows?: number }).affectedRows ?? 0;
      if (count) deleted[table] = count;
    }
    deleted.tenant = (await conn.execute(`delete from "tenant" where "id" = ?`, [tenantId], 'run') as { affectedRows?: number }).affectedRows ?? 0;
    return deleted;
  });
}
