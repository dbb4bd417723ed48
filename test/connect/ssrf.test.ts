import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HaloSim } from '../../src/halo-sim';
import { EgressBlockedError, EgressPolicy, NOT_PUBLIC_MESSAGE, isPublicAddress } from '../../src/integration/egress';
import { ConnectHaloDocument, HaloConnectionDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../support/app';
import { freePort } from '../support/demo-process';
import { connectInput, startSim } from '../support/halo';

/** Something listening on loopback that counts who connects: a refused address must not reach it. */
async function listener(host: string): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((_req, res) => res.end('{}'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('SSRF: in production mode a tenant’s Halo address must be public', () => {
  let prod: TestApp;
  let allowed: TestApp;
  let sim: HaloSim;
  let v4: Awaited<ReturnType<typeof listener>>;
  let v6: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    [prod, allowed, sim, v4, v6] = await Promise.all([
      startTestApp({ PRODUCTION_MODE: 'true' }),
      startTestApp({ PRODUCTION_MODE: 'true', HALO_ALLOW_PRIVATE_ADDRESSES: 'true' }),
      startSim(),
      listener('127.0.0.1'),
      listener('::1'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prod?.stop(), allowed?.stop(), sim?.stop()]);
    v4?.server.close();
    v6?.server.close();
  });

  it('refuses loopback, private, link-local and multicast targets with one answer, open port or closed, sending nothing', async () => {
    const { gql } = await prod.newTenant();
    const closed = await freePort();
    const targets = [
      `http://127.0.0.1:${v4.port}`,
      `http://127.0.0.1:${closed}`,
      `http://127.1:${v4.port}`,
      `http://2130706433:${v4.port}`,
      `http://0x7f000001:${v4.port}`,
      `http://[::1]:${v6.port}`,
      `http://[::ffff:127.0.0.1]:${v4.port}`,
      `http://localhost:${v4.port}`,
      `127.0.0.1:${v4.port}`,
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1',
      'https://192.168.1.1',
      'http://172.16.0.1:8080',
      'http://224.0.0.1',
      'http://0.0.0.0',
    ];
    for (const baseUrl of targets) {
      const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim, { baseUrl }) });
      expect(res.connectHalo.ok, baseUrl).toBe(false);
      expect(res.connectHalo.failedStep, baseUrl).toMatchObject({ step: 'url', message: NOT_PUBLIC_MESSAGE });
      expect(res.connectHalo.steps, baseUrl).toHaveLength(1);
    }
    expect(v4.connections() + v6.connections()).toBe(0);
    expect((await gql.expectData(HaloConnectionDocument)).haloConnection).toBeNull();
  });

  it('reaches a private address when HALO_ALLOW_PRIVATE_ADDRESSES allows it', async () => {
    const { gql } = await allowed.newTenant();
    const res = await gql.expectData(ConnectHaloDocument, { input: connectInput(sim) });
    expect(res.connectHalo.failedStep).toBeNull();
    expect(res.connectHalo.ok).toBe(true);
  });

  it('checks the address each connection is made to (DNS rebinding: public when checked, loopback when connecting)', async () => {
    let lookups = 0;
    const policy = new EgressPolicy({
      allowPrivate: false,
      lookup: (_host, _opts, cb) => cb(null, [lookups++ === 0 ? { address: '93.184.215.14', family: 4 } : { address: '127.0.0.1', family: 4 }]),
    });
    const url = `http://halo.rebind.example:${v4.port}/api/authinfo`;
    expect(await policy.check(url)).toBeUndefined();
    const err = (await policy.fetch(url).catch((e: unknown) => e)) as Error & { cause?: unknown };
    expect(err).toBeInstanceOf(Error);
    expect(err.cause).toBeInstanceOf(EgressBlockedError);
    expect(lookups).toBe(2);
    // An address literal is checked without a lookup.
    const literal = (await policy.fetch(`http://127.0.0.1:${v4.port}/`).catch((e: unknown) => e)) as Error & { cause?: unknown };
    expect(literal.cause).toBeInstanceOf(EgressBlockedError);
    expect(v4.connections()).toBe(0);
    await policy.close();
  });

  it('classifies addresses', () => {
    for (const a of ['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '[2a00:1450:4001::200e]']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.251', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
});
