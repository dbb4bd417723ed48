import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

/**
 * Where the service may send requests on a tenant's behalf. A tenant types its Halo address into connectHalo, so
 * without a rule anyone with an API key could make the service call its own network: loopback (this machine's
 * database, admin ports), link-local (cloud metadata at 169.254.169.254), private ranges, multicast; and tell open
 * from closed ports by the error. With `allowPrivate` off (production mode, unless HALO_ALLOW_PRIVATE_ADDRESSES),
 * only public addresses are reached. The address is checked when a connection is made, on the address actually
 * connected to, so a name that resolves to a public address when checked and to a private one a moment later
 * (DNS rebinding) is refused too.
 */

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** An IPv4 address carried in an IPv6 one (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d NAT64), else undefined. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an address on the public internet; false for loopback, link-local, private, multicast, reserved. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return !BLOCKED.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return !BLOCKED.check(v4, 'ipv4');
    return !BLOCKED.check(bare, 'ipv6');
  }
  return false;
}

/** The one answer for every refused address, whatever the port or whether anything listens there. */
export const NOT_PUBLIC_MESSAGE =
  'This address is not on the public internet (it is a loopback, private, link-local or multicast address, or a name that resolves to one): enter your Halo’s public web address.';

export class EgressBlockedError extends Error {
  readonly code = 'EGRESS_BLOCKED';
  constructor() {
    super(NOT_PUBLIC_MESSAGE);
  }
}

type Lookup = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export interface EgressOptions {
  /** Reach loopback, private, link-local and multicast addresses too (demo, tests, a Halo on the office network). */
  allowPrivate: boolean;
  /** Name resolution (tests give one that changes its answer, as a rebinding attacker's DNS would). */
  lookup?: Lookup;
}

export class EgressPolicy {
  private readonly resolve: Lookup;
  private agent?: Agent;

  constructor(readonly opts: EgressOptions) {
    this.resolve = opts.lookup ?? ((host, options, cb) => dnsLookup(host, options, cb));
  }

  /**
   * Before connecting: the host of `url` (a name or an address literal, in any form the URL parser accepts, e.g.
   * `127.1` or `2130706433`) and every address it resolves to must be public. Undefined when allowed, else the
   * error; nothing is sent either way.
   */
  async check(url: string): Promise<EgressBlockedError | undefined> {
    if (this.opts.allowPrivate) return undefined;
    let host: string;
    try {
      host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) ? url.trim() : `https://${url.trim()}`).hostname;
    } catch {
      return undefined; // not a URL: the URL step of the diagnostics says so
    }
    const addresses = await this.addresses(host).catch(() => undefined);
    // A name that does not resolve is reported by the diagnostics ("could not reach"), as for any other address.
    if (!addresses) return undefined;
    return addresses.every(isPublicAddress) ? undefined : new EgressBlockedError();
  }

  private addresses(host: string): Promise<string[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare)) return Promise.resolve([bare]);
    return new Promise((resolve, reject) => this.resolve(bare, { all: true }, (err, list) => (err ? reject(err) : resolve(list.map((a) => a.address)))));
  }

  /**
   * `fetch` for Halo requests: global fetch when private addresses are allowed, else undici's with a connector that
   * checks the address of every connection it opens (address literals before connecting, names in the lookup the
   * socket itself uses), so the check and the connection see the same address.
   */
  get fetch(): typeof fetch {
    if (this.opts.allowPrivate) return globalThis.fetch;
    this.agent ??= new Agent({ connect: this.connector() });
    const dispatcher = this.agent;
    return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  }

  private connector(): buildConnector.connector {
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return (callback as (e: NodeJS.ErrnoException) => void)(err);
        if (!addresses.length || !addresses.every((a) => isPublicAddress(a.address))) return (callback as (e: Error) => void)(new EgressBlockedError());
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      });
    };
    const base = buildConnector({ lookup } as buildConnector.BuildOptions);
    return (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      // An address literal is connected to without a lookup: check it here.
      if (isIP(host) && !isPublicAddress(host)) {
        callback(new EgressBlockedError(), null);
        return;
      }
      return base(opts, callback);
    };
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
