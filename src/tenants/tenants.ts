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
  // Every request passes here: one indexed lookup, no entity built (no identity map, no change tracking).
  const row = (await em
    .getConnection()
    .execute(`select "id", "tenant_id" from "api_key" where "key_hash" = ? and "revoked_at" is null limit 1`, [hashApiKey(key)], 'get')) as
    | { id: string; tenant_id: string }
    | undefined;
  return row ? { tenantId: row.tenant_id, apiKeyId: row.id } : null;
}
