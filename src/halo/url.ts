import { HaloBadUrlError } from './errors';

export interface HaloUrls {
  /** The Halo web application root, e.g. `https://acme.halopsa.com` (keeps an on-prem path prefix). */
  appUrl: string;
  /** Resource server, `${appUrl}/api`. */
  apiUrl: string;
  /** Where the auth server normally lives when `/api/authinfo` says nothing: `${appUrl}/auth`. */
  defaultAuthUrl: string;
  /** Lower-cased host[:port]; keys per-instance state such as the rate governor. */
  host: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Accept the forms people paste: `acme.halopsa.com`, `https://acme.halopsa.com/`, `…/api`, `…/api/`, `…/auth`,
 * even a copied page URL (`…/api/Client?x`), with stray whitespace. Plain http is refused except for a local
 * simulator: the client secret travels in the token request.
 */
export function normalizeHaloUrl(input: string): HaloUrls {
  const raw = (input ?? '').trim();
  if (!raw) throw new HaloBadUrlError('The Halo URL is empty. Enter your Halo web address, e.g. yourcompany.halopsa.com.');
  // No scheme: https, except a local simulator (`localhost:4010`), which only speaks http.
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/i.test(raw);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${local ? 'http' : 'https'}://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new HaloBadUrlError(`"${clipForMessage(raw)}" is not a web address. Enter your Halo web address, e.g. yourcompany.halopsa.com.`);
  }
  const protocol = u.protocol.toLowerCase();
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new HaloBadUrlError(`The Halo URL must start with https:// (got ${protocol}).`);
  }
  if (u.username || u.password) {
    throw new HaloBadUrlError('The Halo URL must not contain a user name or password.');
  }
  const hostname = u.hostname.toLowerCase();
  if (!hostname || (!hostname.includes('.') && !LOCAL_HOSTS.has(hostname))) {
    throw new HaloBadUrlError(`"${clipForMessage(raw)}" has no valid host name. Enter your Halo web address, e.g. yourcompany.halopsa.com.`);
  }
  if (protocol === 'http:' && !LOCAL_HOSTS.has(hostname)) {
    throw new HaloBadUrlError('The Halo URL must use https:// (plain http is only allowed for localhost).');
  }
  // Drop query/fragment; strip trailing slashes and a trailing /api or /auth (and anything after /api/ or /auth/).
  let path = u.pathname.replace(/\/+$/, '');
  const m = /^(.*?)\/(api|auth)(\/.*)?$/i.exec(path);
  if (m) path = m[1];
  path = path.replace(/\/+$/, '');
  const appUrl = `${protocol}//${u.host.toLowerCase()}${path}`;
  return { appUrl, apiUrl: `${appUrl}/api`, defaultAuthUrl: `${appUrl}/auth`, host: u.host.toLowerCase() };
}

/** Validate an auth server URL Halo announced (authinfo `auth_url`), with the same https rule. */
export function normalizeAuthUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    throw new HaloBadUrlError(`Halo announced an invalid auth server URL ("${clipForMessage(input)}").`);
  }
  const hostname = u.hostname.toLowerCase();
  if (u.protocol === 'http:' && !LOCAL_HOSTS.has(hostname)) {
    throw new HaloBadUrlError('Halo announced an auth server on plain http; refusing to send credentials there.');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new HaloBadUrlError(`Halo announced an auth server with an unsupported scheme (${u.protocol}).`);
  }
  u.hash = '';
  u.pathname = u.pathname.replace(/\/+$/, '').replace(/\/token$/i, '');
  return u.toString().replace(/\/+(\?|$)/, '$1');
}

function clipForMessage(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
