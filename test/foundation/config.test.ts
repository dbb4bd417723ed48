import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

const KEYS = `k1:${Buffer.alloc(32, 3).toString('base64')}`;

describe('configuration', () => {
  it('starts in demo mode with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.demo).toBe(true);
    expect(config.database.url).toBeUndefined();
    expect(config.port).toBe(4000);
  });

  it('lists every bad variable in one error, without echoing their values', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://nope',
        ENCRYPTION_KEYS: 'short-secret-value',
        PUBLIC_BASE_URL: 'not a url',
        SYNC_SCHEDULE: 'every day',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['DATABASE_URL', 'ENCRYPTION_KEYS', 'LOG_LEVEL', 'PORT', 'PUBLIC_BASE_URL', 'SYNC_SCHEDULE']);
    expect((error as Error).message).not.toContain('short-secret-value');
  });

  it('requires an encryption key outside demo mode instead of falling back to a built-in one', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://db/x' })).toThrow(/ENCRYPTION_KEYS: required outside demo mode/);
    const config = loadConfig({ DATABASE_URL: 'postgresql://db/x', ENCRYPTION_KEYS: KEYS });
    expect(config.demo).toBe(false);
    expect(config.encryptionKeys[0].id).toBe('k1');
    expect(config.encryptionKeys[0].key).toHaveLength(32);
  });

  it('refuses a partial Halo connection and demo mode in production', () => {
    expect(() => loadConfig({ ENCRYPTION_KEYS: KEYS, DATABASE_URL: 'postgresql://db/x', HALO_URL: 'acme.halopsa.com' })).toThrow(
      /HALO_CLIENT_ID: required[\s\S]*HALO_CLIENT_SECRET: required/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO: 'true', ENCRYPTION_KEYS: KEYS })).toThrow(/DEMO: demo mode cannot run/);
  });

  it('connects the zero-config demo to a configured Halo instead of the simulator, but never under the public demo key', () => {
    const halo = { HALO_URL: 'acme.halopsa.com', HALO_CLIENT_ID: 'id', HALO_CLIENT_SECRET: 'real-secret' };
    expect(() => loadConfig(halo)).toThrow(/ENCRYPTION_KEYS: required when HALO_CLIENT_SECRET is set/);
    const config = loadConfig({ ...halo, ENCRYPTION_KEYS: KEYS });
    expect(config.demo).toBe(true);
    expect(config.halo).toEqual({ url: 'acme.halopsa.com', clientId: 'id', clientSecret: 'real-secret', tenant: undefined });
  });

  it('makes the service exit at start-up with one message naming every bad variable', () => {
    const main = path.resolve(__dirname, '../../dist/src/main.js');
    const run = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, PORT: '-1', LOG_LEVEL: 'chatty', DATABASE_URL: 'http://x' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('Invalid configuration');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(run.stderr).toContain(`${name}:`);
  });
});
