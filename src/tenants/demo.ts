import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant } from '../db/entities';
import { authenticateApiKey, createTenant, issueApiKey } from './tenants';

export const DEMO_TENANT = { name: 'Acme IT (demo)', website: 'acme.example' };

/**
 * Demo mode only: one demo tenant whose key survives restarts. Only a hash lives in the database, so the key
 * itself is kept beside the embedded database's data, in the same git-ignored folder.
 */
export async function ensureDemoTenant(em: EntityManager, dataDir: string): Promise<{ apiKey: string; name: string }> {
  const keyFile = path.join(path.dirname(path.resolve(dataDir)), 'demo-api-key');
  if (existsSync(keyFile)) {
    const key = readFileSync(keyFile, 'utf8').trim();
    const auth = await authenticateApiKey(em, key);
    const tenant = auth && (await em.findOne(Tenant, { id: auth.tenantId }));
    if (tenant) return { apiKey: key, name: tenant.name };
  }
  const existing = await em.findOne(Tenant, { demo: true });
  let key: string;
  let name: string;
  if (existing) {
    key = issueApiKey(em, existing.id, 'demo').key;
    name = existing.name;
    await em.flush();
  } else {
    const created = await createTenant(em, { ...DEMO_TENANT, demo: true });
    key = created.apiKey;
    name = created.tenant.name;
  }
  mkdirSync(path.dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return { apiKey: key, name };
}
