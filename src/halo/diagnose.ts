import { HaloClient } from './client';
import { HaloError, type HaloScope } from './errors';
import { DEFAULT_SCOPES, type HaloClientOptions } from './transport';
import { normalizeHaloUrl } from './url';

export type DiagnosticStepName = 'url' | 'auth_server' | 'token' | 'agent' | 'list_clients' | 'teams' | 'webhooks' | 'pipeline_stages';

export interface DiagnosticStep {
  step: DiagnosticStepName;
  ok: boolean;
  /** What we found, in words an admin understands. Never contains a secret or token. */
  message: string;
  /** What to change in Halo or in the connection form when `ok` is false. */
  fix?: string;
}

const FIX = {
  url: 'Enter your Halo web address as Base URL, e.g. yourcompany.halopsa.com (the address you use to log in to Halo).',
  credentials:
    'In Halo go to Configuration > Integrations > HaloPSA API > View Applications, open the application and copy its Client ID and Client Secret again (the secret is shown only when created or regenerated).',
  loginType: 'In the API application set Authentication Method "Client ID and Secret" and Login Type: Agent, then choose the API agent to log in as.',
  inactiveAgent: 'In Halo go to Configuration > Teams & Agents > Agents and make sure the API-only agent the application logs in as is active (not disabled).',
  scope: (s: HaloScope) => `In the API application's Permissions tab tick ${s} (the product needs all:standard, all:teams and admin:webhooks) and save.`,
  pipeline: 'In Halo go to Configuration > Sales > General Settings and tick Enable Pipeline Stages.',
  transient: 'Halo did not answer in time or failed; try again in a few minutes. If it keeps failing, check the Halo status page.',
};

const REQUIRED_SCOPES: HaloScope[] = ['all:standard', 'all:teams', 'admin:webhooks'];

function describe(e: unknown): string {
  if (e instanceof HaloError) return e.message;
  return 'an unexpected error occurred';
}

/**
 * Check a set of credentials step by step, in the order the setup guide's "Connection failed" list walks through:
 * URL → auth server → token → acting agent → the three permissions → pipeline stages. Stops after the first step
 * nothing later can work without (URL, token, agent); the permission and settings checks are independent, so all
 * of them are reported. Uses short timeouts and few retries: a person is waiting.
 */
export async function diagnose(options: HaloClientOptions): Promise<DiagnosticStep[]> {
  const steps: DiagnosticStep[] = [];
  const push = (s: DiagnosticStep) => {
    steps.push(s);
    return s.ok;
  };

  const clientOptions: HaloClientOptions = {
    timeoutMs: 15_000,
    ...options,
    retry: { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 2_000, ...options.retry },
  };

  // 1. URL
  let client: HaloClient;
  let lacksStandard = false;
  try {
    normalizeHaloUrl(options.baseUrl);
    client = new HaloClient(clientOptions);
  } catch (e) {
    const credentialProblem = e instanceof HaloError && e.kind === 'bad_credentials';
    push({
      step: credentialProblem ? 'token' : 'url',
      ok: false,
      message: describe(e),
      fix: credentialProblem ? FIX.credentials : FIX.url,
    });
    return steps;
  }
  const host = client.urls.host;

  // 1-2. Reachability and auth server discovery
  let auth;
  try {
    auth = await client.authEndpoint();
  } catch (e) {
    push({
      step: 'url',
      ok: false,
      message: e instanceof HaloError && e.kind === 'bad_url' ? describe(e) : `Could not reach ${host}: ${describe(e)}`,
      fix: e instanceof HaloError && e.kind === 'transient' ? `${FIX.url} ${FIX.transient}` : FIX.url,
    });
    return steps;
  }
  push({ step: 'url', ok: true, message: `Reached ${host}.` });
  push({
    step: 'auth_server',
    ok: true,
    message:
      auth.source === 'authinfo'
        ? `Halo announced its authorisation server at ${auth.authUrl}${auth.tenant ? ` (tenant ${auth.tenant})` : ''}.`
        : `Halo did not announce an authorisation server (/api/authinfo answered ${auth.authInfoStatus ?? 'nothing usable'}); using ${auth.authUrl}.`,
  });

  // 3. Token
  try {
    await client.transport.getToken();
    push({ step: 'token', ok: true, message: 'Halo issued an access token for these credentials.' });
  } catch (e) {
    const { step, granted } = await tokenFailure(client, e, auth.source === 'default');
    push(step);
    if (!granted?.length) return steps;
    lacksStandard = !granted.includes('all:standard');
    // Some permissions are ticked: carry on with those, so the admin sees everything that is missing at once.
    client = new HaloClient({ ...clientOptions, scopes: granted.join(' ') });
    try {
      await client.transport.getToken();
    } catch {
      return steps;
    }
  }

  // 4. Acting agent
  try {
    const me = await client.me();
    const name = me?.name ?? `agent ${me?.id ?? '?'}`;
    if (!me || typeof me !== 'object' || me.is_agent === false) {
      push({ step: 'agent', ok: false, message: 'The token does not act as a Halo agent.', fix: FIX.loginType });
      return steps;
    }
    if (me.isdisabled === true) {
      push({ step: 'agent', ok: false, message: `The application logs in as "${name}", which is inactive in Halo.`, fix: FIX.inactiveAgent });
      return steps;
    }
    push({ step: 'agent', ok: true, message: `Acting as agent "${name}" (id ${me.id}).` });
  } catch (e) {
    if (lacksStandard && e instanceof HaloError && e.kind === 'permission') {
      // Reading the agent needs all:standard, already reported missing: go on to the other checks.
      push({ step: 'agent', ok: false, message: 'Could not check the acting agent without the all:standard permission.', fix: FIX.scope('all:standard') });
    } else if (e instanceof HaloError && ['permission', 'not_found', 'bad_credentials'].includes(e.kind)) {
      push({
        step: 'agent',
        ok: false,
        message: `Halo would not say which agent the token acts as (${e.status ?? e.kind}); the application is probably not set to log in as an agent, or that agent is inactive.`,
        fix: `${FIX.loginType} ${FIX.inactiveAgent}`,
      });
      return steps;
    } else {
      push({ step: 'agent', ok: false, message: describe(e), fix: FIX.transient });
      return steps;
    }
  }

  // 5-7. Permissions, independent of each other
  const probe = async (step: DiagnosticStepName, scope: HaloScope, what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      push({ step, ok: true, message: `Can read ${what} (${scope}).` });
    } catch (e) {
      if (e instanceof HaloError && e.kind === 'permission') {
        push({ step, ok: false, message: `Halo refused to list ${what}: the application or its agent lacks the ${scope} permission.`, fix: FIX.scope(scope) });
      } else {
        push({ step, ok: false, message: `Could not list ${what}: ${describe(e)}`, fix: e instanceof HaloError && e.retryable ? FIX.transient : undefined });
      }
    }
  };
  await probe('list_clients', 'all:standard', 'clients', () => client.request('GET', '/Client', { query: { pageinate: true, page_size: 1, page_no: 1 } }));
  await probe('teams', 'all:teams', 'teams', () => client.request('GET', '/Team'));
  await probe('webhooks', 'admin:webhooks', 'webhooks', () => client.request('GET', '/Webhook'));

  // 8. Pipeline stages
  try {
    const control = await client.settings();
    if (control?.show_pipeline_stages === true) {
      push({ step: 'pipeline_stages', ok: true, message: 'Pipeline stages are enabled.' });
    } else {
      push({ step: 'pipeline_stages', ok: false, message: 'Pipeline stages are not enabled in Halo; opportunity stages will not sync.', fix: FIX.pipeline });
    }
  } catch (e) {
    push({
      step: 'pipeline_stages',
      ok: false,
      message: `Could not read Halo's sales settings to check pipeline stages: ${describe(e)}`,
      fix: e instanceof HaloError && e.kind === 'permission' ? `${FIX.scope('all:standard')} ${FIX.pipeline}` : FIX.pipeline,
    });
  }
  return steps;
}

async function tokenFailure(client: HaloClient, e: unknown, usedDefaultAuth: boolean): Promise<{ step: DiagnosticStep; granted?: HaloScope[] }> {
  const one = (step: DiagnosticStep) => ({ step });
  if (!(e instanceof HaloError)) return one({ step: 'token', ok: false, message: describe(e), fix: FIX.transient });
  const text = `${e.oauthError ?? ''} ${e.haloMessage ?? ''}`.toLowerCase();
  if (e.kind === 'permission' || e.oauthError === 'invalid_scope') {
    const missing: HaloScope[] = [];
    for (const s of REQUIRED_SCOPES) {
      try {
        await client.transport.probeToken(s);
      } catch (pe) {
        if (pe instanceof HaloError && (pe.kind === 'permission' || pe.oauthError === 'invalid_scope')) missing.push(s);
      }
    }
    const list = missing.length ? missing : REQUIRED_SCOPES;
    return {
      step: {
        step: 'token',
        ok: false,
        message: `Halo refused the requested permissions (${DEFAULT_SCOPES}); not ticked on the API application: ${list.join(', ')}.`,
        fix: `In the API application's Permissions tab tick ${list.join(', ')} and save.`,
      },
      granted: REQUIRED_SCOPES.filter((s) => !list.includes(s)),
    };
  }
  if (e.kind === 'not_found' || (usedDefaultAuth && e.status === 404)) {
    return one({
      step: 'token',
      ok: false,
      message: `There is no Halo token endpoint at ${e.path ?? 'the expected address'} (404): this does not look like a Halo address.`,
      fix: FIX.url,
    });
  }
  if (e.kind === 'bad_credentials') {
    if (/inactive|disabled|deactivated/.test(text)) {
      return one({ step: 'token', ok: false, message: `Halo refused the token because the application's agent is inactive (${e.haloMessage ?? e.oauthError}).`, fix: FIX.inactiveAgent });
    }
    if (/login ?type|not an agent|agent/.test(text) && e.oauthError !== 'invalid_client') {
      return one({ step: 'token', ok: false, message: `Halo refused the token: ${e.haloMessage ?? e.oauthError}.`, fix: `${FIX.loginType} ${FIX.inactiveAgent}` });
    }
    return one({
      step: 'token',
      ok: false,
      message: `Halo rejected the Client ID or Client Secret${e.oauthError ? ` (${e.oauthError})` : ''}.`,
      fix: `${FIX.credentials} Also check the application uses Login Type: Agent and its agent is active.`,
    });
  }
  return one({ step: 'token', ok: false, message: `Could not get a token: ${describe(e)}`, fix: e.retryable ? FIX.transient : FIX.credentials });
}
