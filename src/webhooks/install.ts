import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  HALO_SIGNATURE_HEADER,
  HALO_WEBHOOK_AUTH,
  haloInt,
  haloNotificationBody,
  haloWebhookBody,
  parseHaloDate,
  type HaloClient,
  type HaloNotification,
  type HaloWebhook,
} from '../halo';
import type { SecretBox } from '../crypto/secret-box';
import { HaloWebhookConfig } from '../db/entities';
import type { HaloAccess } from '../integration/halo-access';
import { EXPECTED_SUBSCRIPTIONS, WEBHOOK_GROUPS, WEBHOOK_NOTE, coverage, isOurWebhook, webhookName, webhookUrl, type WebhookGroup } from './spec';

export type WebhookIssueCode =
  | 'NO_PUBLIC_URL'
  | 'NOT_INSTALLED'
  | 'MISSING'
  | 'DISABLED'
  | 'WRONG_URL'
  | 'WRONG_AUTH'
  | 'MISSING_SUBSCRIPTION'
  | 'DUPLICATE_WEBHOOK'
  | 'DUPLICATE_SUBSCRIPTION'
  | 'DELIVERY_FAILURES';

export interface WebhookIssue {
  code: WebhookIssueCode;
  message: string;
}

export interface WebhookStatusReport {
  ok: boolean;
  installed: boolean;
  expectedUrl: string | null;
  webhook: { id: string; name: string; url: string | null; active: boolean; disabled: boolean } | null;
  subscriptions: { group: WebhookGroup; eventno: number; event: string; installed: boolean }[];
  issues: WebhookIssue[];
  /** Failed deliveries in Halo's delivery log over the last 24 hours. */
  recentFailures: number;
  lastFailure: { at: Date | null; status: number | null } | null;
  /** What install/repair changed in Halo (empty for a plain check, and for an install with nothing to do). */
  changes: string[];
  realtime: string[];
  polled: string[];
  checkedAt: Date;
}

export interface WebhookInstallerDeps {
  access: HaloAccess;
  box: SecretBox;
  /** Our public base URL as Halo must reach it; undefined when unknown (then nothing can be installed). */
  publicBaseUrl: () => string | undefined;
  schedule: { sync: string; opportunities: string };
  /** Called when a tenant's path key or secret is created, so the receiver's cache forgets it. */
  onConfigChanged?: (pathKey: string) => void;
}

export class WebhookSetupError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const secretContext = (tenantId: string) => `halo-webhook:${tenantId}`;
const FAILURE_WINDOW_MS = 24 * 3600_000;

interface Observed {
  ours: HaloWebhook[];
  subs: HaloNotification[];
  log: { at: Date | null; error: boolean; status: number | null }[];
}

/**
 * Installs, checks and repairs the tenant's Halo webhook: one webhook (signed-body auth, our per-tenant secret)
 * with one notification subscription per event of the setup guide's four groups. Install and repair converge on
 * the same desired state, so running either twice changes nothing the second time.
 */
export class WebhookInstaller {
  constructor(private readonly deps: WebhookInstallerDeps) {}

  /** The tenant's path key and secret, created on first use. */
  async ensureConfig(em: EntityManager, tenantId: string): Promise<HaloWebhookConfig> {
    const existing = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (existing) return existing;
    const sealed = this.deps.box.seal(randomBytes(32).toString('base64url'), secretContext(tenantId));
    await em.getConnection().execute(
      `insert into halo_webhook_config (tenant_id, path_key, secret_key_id, secret_sealed) values (?, ?, ?, ?) on conflict (tenant_id) do nothing`,
      [tenantId, randomBytes(24).toString('base64url'), sealed.keyId, sealed.sealed],
    );
    return em.findOneOrFail(HaloWebhookConfig, { tenantId }, { refresh: true });
  }

  secretOf(config: HaloWebhookConfig): string {
    return this.deps.box.open({ keyId: config.secretKeyId, sealed: config.secretSealed }, secretContext(config.tenantId));
  }

  /**
   * Removes our webhook (and with it its subscriptions) from Halo and forgets the path and secret, so nothing Halo
   * still sends is accepted. Returns how many webhooks were removed from Halo.
   */
  async uninstall(em: EntityManager, tenantId: string): Promise<number> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (!config) return 0;
    const client = await this.deps.access.clientFor(em, tenantId);
    const observed = await this.observe(client, config);
    for (const hook of observed.ours) if (hook.id) await client.delete('webhooks', hook.id);
    await em.nativeDelete(HaloWebhookConfig, { tenantId });
    this.deps.onConfigChanged?.(config.pathKey);
    return observed.ours.length;
  }

  /** Compares what Halo has with what should be there. Read-only. */
  async status(em: EntityManager, tenantId: string): Promise<WebhookStatusReport> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (!config) return this.report(null, null, { ours: [], subs: [], log: [] }, [], [{ code: 'NOT_INSTALLED', message: 'The Halo webhooks have not been installed yet.' }]);
    const client = await this.deps.access.clientFor(em, tenantId);
    const observed = await this.observe(client, config);
    const report = this.report(config, this.expectedUrl(config), observed, []);
    await this.remember(em, config, report);
    return report;
  }

  /**
   * Creates or fixes whatever differs: a missing webhook, a disabled one, a wrong URL or auth, missing or doubled
   * subscriptions, extra copies of our webhook. `force` (repair) also re-sends the URL and secret when Halo's log
   * shows failing deliveries, since a wrong secret cannot be read back.
   */
  async converge(em: EntityManager, tenantId: string, opts: { force: boolean }): Promise<WebhookStatusReport> {
    const config = await this.ensureConfig(em, tenantId);
    const url = this.expectedUrl(config);
    if (!url) throw new WebhookSetupError('Our public URL is not configured (PUBLIC_BASE_URL), so Halo would have nowhere to send webhooks.', 'NO_PUBLIC_URL');
    const client = await this.deps.access.clientFor(em, tenantId);
    const secret = this.secretOf(config);
    const changes: string[] = [];
    let observed = await this.observe(client, config);

    // One webhook of ours: keep the one we installed (else the first), delete other copies.
    const keep = observed.ours.find((h) => h.id === config.haloWebhookId) ?? observed.ours[0];
    for (const extra of observed.ours.filter((h) => h !== keep)) {
      await client.webhooks.delete(String(extra.id));
      changes.push(`deleted a duplicate webhook ${String(extra.id)}`);
    }
    const desired = haloWebhookBody({ name: webhookName(config.pathKey), url, secret, note: WEBHOOK_NOTE });
    let hookId: string;
    if (!keep) {
      const [created] = await client.webhooks.upsert([desired]);
      if (!created?.id) throw new WebhookSetupError('Halo did not return the id of the new webhook.', 'HALO_NO_ID');
      hookId = String(created.id);
      changes.push(`created webhook ${hookId} → ${url}`);
    } else {
      hookId = String(keep.id);
      const drift = this.drift(keep, url, secret);
      const failing = opts.force && this.failing(observed.log);
      if (drift.length || failing) {
        await client.webhooks.upsert([{ ...desired, id: hookId }]);
        changes.push(`updated webhook ${hookId}: ${[...drift, ...(failing ? ['re-sent URL and secret after failed deliveries'] : [])].join(', ')}`);
      }
    }

    // Subscriptions: one per expected event; doubles deliver every event twice, so extras go.
    const subs = observed.subs.filter((n) => String(n.webhook_id ?? '').toLowerCase() === hookId.toLowerCase());
    const byEvent = new Map<number, HaloNotification[]>();
    for (const n of subs) {
      const no = haloInt(n.eventno);
      if (no !== null) byEvent.set(no, [...(byEvent.get(no) ?? []), n]);
    }
    for (const [no, list] of byEvent) {
      for (const extra of list.slice(1)) {
        await client.notifications.delete(extra.id);
        changes.push(`deleted a duplicate subscription to event ${no}`);
      }
    }
    const missing = EXPECTED_SUBSCRIPTIONS.filter((s) => !byEvent.has(s.event.eventno));
    if (missing.length) {
      await client.notifications.upsert(missing.map((s) => haloNotificationBody(hookId, s.event)));
      changes.push(`subscribed to ${missing.map((s) => `${s.event.eventno} ${s.event.name}`).join(', ')}`);
    }

    config.haloWebhookId = hookId;
    config.url = url;
    if (changes.length || !config.installedAt) config.installedAt = new Date();
    observed = changes.length ? await this.observe(client, config) : observed;
    // After a repair, failures logged before it are history: the report judges deliveries from now on.
    const report = this.report(config, url, changes.length && opts.force ? { ...observed, log: [] } : observed, changes);
    await this.remember(em, config, report);
    return report;
  }

  private expectedUrl(config: HaloWebhookConfig): string | null {
    const base = this.deps.publicBaseUrl();
    return base ? webhookUrl(base, config.pathKey) : null;
  }

  private async observe(client: HaloClient, config: HaloWebhookConfig): Promise<Observed> {
    const hooks = await client.webhooks.all();
    const ours = hooks.filter((h) => isOurWebhook(h, config.pathKey) || (config.haloWebhookId && h.id === config.haloWebhookId));
    const subs: HaloNotification[] = [];
    const log: Observed['log'] = [];
    for (const hook of ours) {
      const id = String(hook.id);
      const rows = await client.notifications.all({ webhook_id: id });
      subs.push(...rows.filter((n) => String(n.webhook_id ?? '').toLowerCase() === id.toLowerCase()));
      // One unpaged read of the delivery log: enough to see whether deliveries are failing now.
      const events = await client.webhookEvents.all({ webhook_id: id }, { paginate: false, limit: 500 }).catch(() => []);
      for (const e of events) {
        if (String(e.webhook_id ?? id).toLowerCase() !== id.toLowerCase()) continue;
        const status = haloInt(e.responsestatus);
        log.push({ at: parseHaloDate(e.timestamp), error: e.error === true || (status !== null && (status < 200 || status >= 300)), status });
      }
    }
    return { ours, subs, log };
  }

  private drift(hook: HaloWebhook, url: string, secret: string): string[] {
    const out: string[] = [];
    if (hook.url !== url) out.push(`URL was ${String(hook.url ?? 'empty')}`);
    if (hook.active === false) out.push('was inactive');
    if (hook.disabled === true) out.push('was disabled');
    if (haloInt(hook.authentication_type) !== HALO_WEBHOOK_AUTH.signedBody || (hook.authentication_header ?? HALO_SIGNATURE_HEADER) !== HALO_SIGNATURE_HEADER) out.push('authentication was changed');
    // Halo may mask the stored secret; only a visible, different one is drift.
    if (typeof hook.basic_password === 'string' && hook.basic_password && !/^\*+$/.test(hook.basic_password) && hook.basic_password !== secret) out.push('secret was changed');
    return out;
  }

  /** Failures in the last day that no later success followed. */
  private failing(log: Observed['log']): boolean {
    return this.recentFailures(log).afterLastSuccess > 0;
  }

  private recentFailures(log: Observed['log']): { count: number; afterLastSuccess: number; last: Observed['log'][number] | null } {
    const since = Date.now() - FAILURE_WINDOW_MS;
    const recent = log.filter((e) => !e.at || e.at.getTime() >= since).sort((a, b) => (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0));
    const failures = recent.filter((e) => e.error);
    const lastOk = [...recent].reverse().find((e) => !e.error);
    const after = failures.filter((e) => !lastOk || (e.at?.getTime() ?? 0) > (lastOk.at?.getTime() ?? 0));
    return { count: failures.length, afterLastSuccess: after.length, last: failures[failures.length - 1] ?? null };
  }

  private report(config: HaloWebhookConfig | null, url: string | null, o: Observed, changes: string[], preset: WebhookIssue[] = []): WebhookStatusReport {
    const issues = [...preset];
    if (config && !url) issues.push({ code: 'NO_PUBLIC_URL', message: 'PUBLIC_BASE_URL is not set: Halo cannot reach us.' });
    const hook = o.ours.find((h) => h.id === config?.haloWebhookId) ?? o.ours[0];
    const secret = config ? this.secretOf(config) : '';
    if (config && !hook) {
      issues.push(config.installedAt ? { code: 'MISSING', message: 'Our webhook is gone from Halo (deleted there).' } : { code: 'NOT_INSTALLED', message: 'The Halo webhooks have not been installed yet.' });
    }
    if (o.ours.length > 1) issues.push({ code: 'DUPLICATE_WEBHOOK', message: `Halo has ${o.ours.length} copies of our webhook; every event would arrive ${o.ours.length} times.` });
    if (hook) {
      if (hook.active === false || hook.disabled === true) issues.push({ code: 'DISABLED', message: 'Our webhook is disabled in Halo: no changes reach us in real time.' });
      if (url && hook.url !== url) issues.push({ code: 'WRONG_URL', message: `Our webhook points at ${String(hook.url ?? 'nothing')}, not ${url}.` });
      const authDrift = this.drift(hook, hook.url ?? '', secret).filter((d) => d.startsWith('authentication') || d.startsWith('secret'));
      if (authDrift.length) issues.push({ code: 'WRONG_AUTH', message: `Our webhook's ${authDrift.join(' and ')}: deliveries would be rejected.` });
    }
    const hookId = hook ? String(hook.id).toLowerCase() : null;
    const present = new Map<number, number>();
    for (const n of o.subs) {
      const no = haloInt(n.eventno);
      if (no !== null && String(n.webhook_id ?? '').toLowerCase() === hookId) present.set(no, (present.get(no) ?? 0) + 1);
    }
    const subscriptions = EXPECTED_SUBSCRIPTIONS.map((s) => ({ group: s.group, eventno: s.event.eventno, event: s.event.name, installed: present.has(s.event.eventno) }));
    if (hook) {
      const missing = subscriptions.filter((s) => !s.installed);
      if (missing.length) {
        const groups = WEBHOOK_GROUPS.filter((g) => missing.some((m) => m.group === g.group)).map((g) => g.group);
        issues.push({ code: 'MISSING_SUBSCRIPTION', message: `Not subscribed to ${missing.map((m) => `"${m.event}"`).join(', ')} (${groups.join(', ')}).` });
      }
      const doubled = [...present].filter(([, n]) => n > 1).map(([no]) => no);
      if (doubled.length) issues.push({ code: 'DUPLICATE_SUBSCRIPTION', message: `Subscribed more than once to event(s) ${doubled.join(', ')}.` });
    }
    const failures = this.recentFailures(o.log);
    if (failures.afterLastSuccess > 0) {
      issues.push({
        code: 'DELIVERY_FAILURES',
        message: `Halo's delivery log shows ${failures.afterLastSuccess} failed deliver${failures.afterLastSuccess === 1 ? 'y' : 'ies'} since the last success (last answer: ${failures.last?.status ?? 'none'}).`,
      });
    }
    const ok = issues.length === 0;
    return {
      ok,
      installed: !!hook,
      expectedUrl: url,
      webhook: hook ? { id: String(hook.id), name: String(hook.name ?? ''), url: hook.url ?? null, active: hook.active !== false, disabled: hook.disabled === true } : null,
      subscriptions,
      issues,
      recentFailures: failures.count,
      lastFailure: failures.last ? { at: failures.last.at, status: failures.last.status } : null,
      changes,
      ...coverage(this.deps.schedule, ok),
      checkedAt: new Date(),
    };
  }

  private async remember(em: EntityManager, config: HaloWebhookConfig, report: WebhookStatusReport): Promise<void> {
    config.lastVerifiedAt = report.checkedAt;
    config.lastVerification = { ok: report.ok, detail: summary(report) };
    await em.flush();
    this.deps.onConfigChanged?.(config.pathKey);
  }
}

/** One sentence for the checklist. */
export function summary(r: WebhookStatusReport): string {
  if (r.ok) return `Installed and active: ${r.subscriptions.length} event subscriptions in ${WEBHOOK_GROUPS.length} groups → ${r.expectedUrl ?? '?'}.`;
  return r.issues.map((i) => i.message).join(' ');
}
