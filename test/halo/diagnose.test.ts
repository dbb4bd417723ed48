import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose, type DiagnosticStep, type HaloClientOptions } from '../../src/halo';
import { startSim, type Sim } from './helpers';

const brief = (steps: DiagnosticStep[]) => steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'FAIL'}`);

describe('diagnose: the setup guide\'s "Connection failed" list, step by step', () => {
  let sim: Sim;
  let n = 0;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  const opts = (extra: Partial<HaloClientOptions> = {}): HaloClientOptions => ({
    baseUrl: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    rateBudget: false,
    timeoutMs: 2_000,
    retry: { maxAttempts: 1 },
    ...extra,
  });
  const app = (scopes: string[], more: { loginType?: 'agent' | 'user'; agentActive?: boolean } = {}) => {
    const a = { clientId: `diag-app-${++n}`, clientSecret: `diag-secret-${n}-0123456789`, scopes, loginType: more.loginType ?? ('agent' as const), agentActive: more.agentActive };
    sim.control.addApp(a);
    return { clientId: a.clientId, clientSecret: a.clientSecret };
  };

  it('everything in order', async () => {
    const steps = await diagnose(opts());
    expect(brief(steps)).toEqual(['url:ok', 'auth_server:ok', 'token:ok', 'agent:ok', 'list_clients:ok', 'teams:ok', 'webhooks:ok', 'pipeline_stages:ok']);
    expect(steps.every((s) => s.message.length > 0)).toBe(true);
    expect(steps[3].message).toMatch(/Acting as agent/);
  });

  it('bad URL: not a URL, unreachable host', async () => {
    let steps = await diagnose(opts({ baseUrl: 'not a url' }));
    expect(brief(steps)).toEqual(['url:FAIL']);
    expect(steps[0].fix).toMatch(/Base URL/);
    steps = await diagnose(opts({ baseUrl: 'http://127.0.0.1:1' }));
    expect(brief(steps)).toEqual(['url:FAIL']);
    expect(steps[0].message).toMatch(/Could not reach/);
  });

  it('bad secret', async () => {
    const steps = await diagnose(opts({ clientSecret: 'definitely-wrong-secret' }));
    expect(brief(steps)).toEqual(['url:ok', 'auth_server:ok', 'token:FAIL']);
    expect(steps[2].message).toMatch(/Client ID or Client Secret/);
    expect(steps[2].fix).toMatch(/Client Secret/);
  });

  it('wrong login type (User instead of Agent)', async () => {
    const steps = await diagnose(opts(app(['all:standard', 'all:teams', 'admin:webhooks'], { loginType: 'user' })));
    expect(brief(steps)).toEqual(['url:ok', 'auth_server:ok', 'token:ok', 'agent:FAIL']);
    expect(steps[3].fix).toMatch(/Login Type: Agent/);
  });

  it('inactive API agent', async () => {
    const steps = await diagnose(opts(app(['all:standard', 'all:teams', 'admin:webhooks'], { agentActive: false })));
    expect(brief(steps)).toEqual(['url:ok', 'auth_server:ok', 'token:FAIL']);
    expect(steps[2].message).toMatch(/inactive/);
    expect(steps[2].fix).toMatch(/active/);
  });

  it.each([
    [['all:teams', 'admin:webhooks'], 'all:standard', ['agent:FAIL', 'list_clients:FAIL', 'teams:ok', 'webhooks:ok', 'pipeline_stages:FAIL']],
    [['all:standard', 'admin:webhooks'], 'all:teams', ['agent:ok', 'list_clients:ok', 'teams:FAIL', 'webhooks:ok', 'pipeline_stages:ok']],
    [['all:standard', 'all:teams'], 'admin:webhooks', ['agent:ok', 'list_clients:ok', 'teams:ok', 'webhooks:FAIL', 'pipeline_stages:ok']],
  ])('missing permission: app has %j → names %s', async (scopes, missing, rest) => {
    const steps = await diagnose(opts(app(scopes)));
    const b = brief(steps);
    expect(b[2]).toBe('token:FAIL');
    expect(steps[2].message).toContain(missing);
    expect(steps[2].fix).toContain(missing);
    expect(b.slice(3)).toEqual(rest);
    for (const failed of steps.filter((s) => !s.ok && s.step !== 'token')) expect(failed.fix).toContain(missing);
  });

  it('an app ticked "all" passes (the client falls back from the default scopes)', async () => {
    const steps = await diagnose(opts(app(['all'])));
    expect(steps.every((s) => s.ok)).toBe(true);
  });

  it('pipeline stages disabled', async () => {
    sim.control.updateSettings({ show_pipeline_stages: false });
    try {
      const steps = await diagnose(opts());
      expect(brief(steps).at(-1)).toBe('pipeline_stages:FAIL');
      expect(steps.at(-1)!.fix).toMatch(/Enable Pipeline Stages/);
    } finally {
      sim.control.updateSettings({ show_pipeline_stages: true });
    }
  });
});
