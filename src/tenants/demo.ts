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
export async function ensureDemoTenant(em: EntityManager, dataDir: string): Promise<string> {
  const keyFile = path.join(path.dirname(path.resolve(dataDir)), 'demo-api-key');
  if (existsSync(keyFile)) {
    const key = readFileSync(keyFile, 'utf8').trim();
    if (await authenticateApiKey(em, key)) return key;
  }
  const existing = await em.findOne(Tenant, { demo: true });
  let key: string;
  if (existing) {
    key = issueApiKey(em, existing.id, 'demo').key;
    await em.flush();
  } else {
    key = (await createTenant(em, { ...DEMO_TENANT, demo: true })).apiKey;
  }
  mkdirSync(path.dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}
