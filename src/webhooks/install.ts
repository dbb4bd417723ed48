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
import { HaloWebhookConfig, type StoredCoverage } from '../db/entities';
import type { HaloAccess } from '../integration/halo-access';
import {
  computeCoverage,
  describeCoverage,
  desiredEvents,
  pairKey,
  subscriptionViews,
  toldEventsFrom,
  type ClassifiedBy,
  type CoverageRow,
  type HeldNotification,
  type StoredKnowledge,
  type SubscriptionView,
  type ToldEvent,
} from './coverage';
import { WEBHOOK_ACTIONS, WEBHOOK_ENTITY_NAMES, WEBHOOK_NOTE, isOurWebhook, webhookName, webhookUrl, type SyncSchedules } from './spec';

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
  | 'OBSOLETE_SUBSCRIPTION'
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
  /** Every subscription Halo holds on our webhook, then every one we want that it lacks. */
  subscriptions: SubscriptionView[];
  /** Per entity and action: real time (confirmed by a delivery, or subscribed) or polled, from what Halo holds. */
  coverage: CoverageRow[];
  /** Event numbers an admin told us (setHaloWebhookEvents). */
  toldEvents: ToldEvent[];
  /** Our webhook's name in Halo (where to tick events), once the tenant has a path key. */
  webhookName: string | null;
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
  schedule: SyncSchedules;
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

/** What a report is judged against besides Halo: what an admin told us and what we learned before. */
interface Known {
  told: ToldEvent[];
  stored: Map<number, StoredKnowledge>;
  lastDelivery: Map<string, Date>;
}

const EMPTY_OBSERVED: Observed = { ours: [], subs: [], log: [] };

/**
 * Installs, checks and repairs the tenant's Halo webhook: one webhook (signed-body auth, our per-tenant secret)
 * subscribed to the ticket events with public evidence (facts.ts) and to the event numbers an admin told us.
 * Install and repair converge on that state, so running either twice changes nothing the second time. Whatever
 * else an admin ticks for our webhook in Halo is kept and adopted; what we report as real time is read back from
 * Halo (and from the deliveries that arrived), never taken from what we asked for.
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
   * Removes our webhook (and with it its subscriptions) from Halo and forgets the path, the secret, what an admin
   * told us and what we learned, so nothing Halo still sends is accepted. Returns how many webhooks were removed.
   */
  async uninstall(em: EntityManager, tenantId: string): Promise<number> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (!config) return 0;
    const client = await this.deps.access.clientFor(em, tenantId);
    const observed = await this.observe(client, config);
    for (const hook of observed.ours) if (hook.id) await client.delete('webhooks', hook.id);
    await em.getConnection().execute('delete from halo_webhook_subscription where tenant_id = ?', [tenantId]);
    await em.nativeDelete(HaloWebhookConfig, { tenantId });
    this.deps.onConfigChanged?.(config.pathKey);
    return observed.ours.length;
  }

  /** Compares what Halo has with what should be there, and says what arrives in real time. Read-only in Halo. */
  async status(em: EntityManager, tenantId: string): Promise<WebhookStatusReport> {
    const config = await em.findOne(HaloWebhookConfig, { tenantId }, { refresh: true });
    if (!config) {
      return this.report(null, null, EMPTY_OBSERVED, { told: [], stored: new Map(), lastDelivery: new Map() }, [], [
        { code: 'NOT_INSTALLED', message: 'The Halo webhooks have not been installed yet.' },
      ]);
    }
    const client = await this.deps.access.clientFor(em, tenantId);
    const readAt = await dbNow(em);
    const observed = await this.observe(client, config);
    const known = await this.known(em, config);
    const report = this.report(config, this.expectedUrl(config), observed, known, []);
    await this.learn(em, tenantId, report, readAt);
    await this.remember(em, config, report);
    return report;
  }

  /**
   * Creates or fixes whatever differs: a missing webhook, a disabled one, a wrong URL or auth, missing, doubled or
   * obsolete subscriptions, extra copies of our webhook. `force` (repair) also re-sends the URL and secret when
   * Halo's log shows failing deliveries, since a wrong secret cannot be read back. Subscriptions an admin added
   * are never removed (only exact doubles of one event).
   */
  async converge(em: EntityManager, tenantId: string, opts: { force: boolean }): Promise<WebhookStatusReport> {
    const config = await this.ensureConfig(em, tenantId);
    const url = this.expectedUrl(config);
    if (!url) throw new WebhookSetupError('Our public URL is not configured (PUBLIC_BASE_URL), so Halo would have nowhere to send webhooks.', 'NO_PUBLIC_URL');
    const client = await this.deps.access.clientFor(em, tenantId);
    const secret = this.secretOf(config);
    const changes: string[] = [];
    let readAt = await dbNow(em);
    let observed = await this.observe(client, config);
    const known = await this.known(em, config);

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

    // Subscriptions: doubles deliver every event twice and obsolete ones mean nothing we know, so both go.
    const subs = observed.subs.filter((n) => String(n.webhook_id ?? '').toLowerCase() === hookId.toLowerCase());
    const views = subscriptionViews(subs.map(heldOf), known.told, known.stored);
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
    for (const v of views.filter((x) => x.origin === 'OBSOLETE' && x.notificationId !== null)) {
      await client.notifications.delete(v.notificationId!);
      byEvent.delete(v.eventno ?? NaN);
      changes.push(`deleted obsolete subscription ${v.eventno} "${v.name}"`);
    }
    const missing = desiredEvents(known.told).filter((d) => !byEvent.has(d.eventno));
    if (missing.length) {
      await client.notifications.upsert(missing.map((d) => haloNotificationBody(hookId, d)));
      changes.push(`subscribed to ${missing.map((d) => `${d.eventno} ${d.name}`).join(', ')}`);
    }

    config.haloWebhookId = hookId;
    config.url = url;
    if (changes.length || !config.installedAt) config.installedAt = new Date();
    if (changes.length) {
      readAt = await dbNow(em);
      observed = await this.observe(client, config);
    }
    // After a repair, failures logged before it are history: the report judges deliveries from now on.
    const report = this.report(config, url, changes.length && opts.force ? { ...observed, log: [] } : observed, known, changes);
    await this.learn(em, tenantId, report, readAt);
    await this.remember(em, config, report);
    return report;
  }

  /**
   * Stores event numbers an admin told us (replacing the earlier list): subscribed on the next install/repair.
   * Validation is the caller's (`validateToldEvents`).
   */
  async setToldEvents(em: EntityManager, tenantId: string, told: ToldEvent[]): Promise<ToldEvent[]> {
    const config = await this.ensureConfig(em, tenantId);
    await em.getConnection().execute('update halo_webhook_config set told_events = ?::jsonb, updated_at = now() where tenant_id = ?', [JSON.stringify(told), tenantId]);
    this.deps.onConfigChanged?.(config.pathKey);
    return told;
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

  /** Told events, what earlier deliveries taught us per notification, and the newest delivery per entity/action. */
  private async known(em: EntityManager, config: HaloWebhookConfig): Promise<Known> {
    const conn = em.getConnection();
    const [rows, last] = await Promise.all([
      conn.execute<{ notification_id: number; resource: string | null; action: string | null; classified_by: string | null }[]>(
        'select notification_id, resource, action, classified_by from halo_webhook_subscription where tenant_id = ?',
        [config.tenantId],
      ),
      // One index probe per pair (webhook_delivery (tenant_id, entity, action, received_at)).
      conn.execute<{ entity: string; action: string; at: Date | null }[]>(
        `select p.entity, p.action,
                (select max(d.received_at) from webhook_delivery d where d.tenant_id = ? and d.entity = p.entity and d.action = p.action) as at
           from jsonb_to_recordset(?::jsonb) as p(entity text, action text)`,
        [config.tenantId, JSON.stringify(WEBHOOK_ENTITY_NAMES.flatMap((entity) => WEBHOOK_ACTIONS.map((action) => ({ entity, action }))))],
      ),
    ]);
    const stored = new Map<number, StoredKnowledge>();
    for (const r of rows) {
      stored.set(Number(r.notification_id), {
        class: r.resource && r.action ? ({ resource: r.resource, action: r.action } as StoredKnowledge['class']) : null,
        classifiedBy: (r.classified_by as ClassifiedBy | null) ?? null,
      });
    }
    const lastDelivery = new Map<string, Date>();
    for (const r of last) if (r.at) lastDelivery.set(pairKey(r.entity, r.action), new Date(r.at));
    return { told: toldEventsFrom(config.toldEvents), stored, lastDelivery };
  }

  /**
   * Stores what each held subscription is (the receiver recognises deliveries by notification id from it) and
   * forgets notifications Halo no longer holds. A classification a delivery taught us in the meantime is kept.
   */
  private async learn(em: EntityManager, tenantId: string, report: WebhookStatusReport, readAt: Date): Promise<void> {
    const held = report.subscriptions.filter((s) => s.installed && s.notificationId !== null && Number.isInteger(s.notificationId) && s.notificationId > 0 && s.notificationId <= 2_147_483_647);
    const conn = em.getConnection();
    await conn.execute(
      `insert into halo_webhook_subscription (tenant_id, notification_id, eventno, name, resource, action, classified_by, updated_at)
       select ?::uuid, v.id, v.eventno, v.name, v.resource, v.action, v.by, now()
         from jsonb_to_recordset(?::jsonb) as v(id int, eventno int, name text, resource text, action text, by text)
       on conflict (tenant_id, notification_id) do update
          set eventno = excluded.eventno, name = excluded.name, updated_at = now(),
              resource = case when excluded.classified_by is null and halo_webhook_subscription.classified_by = 'DELIVERY' then halo_webhook_subscription.resource else excluded.resource end,
              action = case when excluded.classified_by is null and halo_webhook_subscription.classified_by = 'DELIVERY' then halo_webhook_subscription.action else excluded.action end,
              classified_by = case when excluded.classified_by is null and halo_webhook_subscription.classified_by = 'DELIVERY' then 'DELIVERY' else excluded.classified_by end`,
      [
        tenantId,
        JSON.stringify(held.map((s) => ({ id: s.notificationId, eventno: s.eventno !== null && Math.abs(s.eventno) <= 2_147_483_647 ? s.eventno : null, name: s.name.slice(0, 500), resource: s.class?.resource ?? null, action: s.class?.action ?? null, by: s.classifiedBy }))),
      ],
    );
    await conn.execute(
      'delete from halo_webhook_subscription where tenant_id = ? and notification_id not in (select jsonb_array_elements_text(?::jsonb)::int) and updated_at < ?',
      [tenantId, JSON.stringify(held.map((s) => s.notificationId!)), readAt],
    );
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

  private report(config: HaloWebhookConfig | null, url: string | null, o: Observed, known: Known, changes: string[], preset: WebhookIssue[] = []): WebhookStatusReport {
    const issues = [...preset];
    if (config && !url) issues.push({ code: 'NO_PUBLIC_URL', message: 'PUBLIC_BASE_URL is not set: Halo cannot reach us.' });
    const hook = o.ours.find((h) => h.id === config?.haloWebhookId) ?? o.ours[0];
    const secret = config ? this.secretOf(config) : '';
    if (config && !hook) {
      issues.push(config.installedAt ? { code: 'MISSING', message: 'Our webhook is gone from Halo (deleted there).' } : { code: 'NOT_INSTALLED', message: 'The Halo webhooks have not been installed yet.' });
    }
    if (o.ours.length > 1) issues.push({ code: 'DUPLICATE_WEBHOOK', message: `Halo has ${o.ours.length} copies of our webhook; every event would arrive ${o.ours.length} times.` });
    const usable = !!hook && hook.active !== false && hook.disabled !== true;
    if (hook) {
      if (!usable) issues.push({ code: 'DISABLED', message: 'Our webhook is disabled in Halo: no changes reach us in real time.' });
      if (url && hook.url !== url) issues.push({ code: 'WRONG_URL', message: `Our webhook points at ${String(hook.url ?? 'nothing')}, not ${url}.` });
      const authDrift = this.drift(hook, hook.url ?? '', secret).filter((d) => d.startsWith('authentication') || d.startsWith('secret'));
      if (authDrift.length) issues.push({ code: 'WRONG_AUTH', message: `Our webhook's ${authDrift.join(' and ')}: deliveries would be rejected.` });
    }
    const hookId = hook ? String(hook.id).toLowerCase() : null;
    const held = o.subs.filter((n) => String(n.webhook_id ?? '').toLowerCase() === hookId).map(heldOf);
    const subscriptions = subscriptionViews(held, known.told, known.stored);
    if (hook) {
      const missing = subscriptions.filter((s) => !s.installed);
      if (missing.length) {
        issues.push({ code: 'MISSING_SUBSCRIPTION', message: `Not subscribed to ${missing.map((m) => `${m.eventno} "${m.name}"`).join(', ')}: repair the webhooks.` });
      }
      const counts = new Map<number, number>();
      for (const n of held) if (n.eventno !== null) counts.set(n.eventno, (counts.get(n.eventno) ?? 0) + 1);
      const doubled = [...counts].filter(([, n]) => n > 1).map(([no]) => no);
      if (doubled.length) issues.push({ code: 'DUPLICATE_SUBSCRIPTION', message: `Subscribed more than once to event(s) ${doubled.join(', ')}.` });
      const obsolete = subscriptions.filter((s) => s.origin === 'OBSOLETE');
      if (obsolete.length) {
        issues.push({ code: 'OBSOLETE_SUBSCRIPTION', message: `Subscribed to event number(s) ${obsolete.map((s) => s.eventno).join(', ')} that we no longer want (made up by an earlier version, or told and since withdrawn): repair the webhooks to remove them.` });
      }
    }
    const failures = this.recentFailures(o.log);
    if (failures.afterLastSuccess > 0) {
      issues.push({
        code: 'DELIVERY_FAILURES',
        message: `Halo's delivery log shows ${failures.afterLastSuccess} failed deliver${failures.afterLastSuccess === 1 ? 'y' : 'ies'} since the last success (last answer: ${failures.last?.status ?? 'none'}).`,
      });
    }
    const name = config ? webhookName(config.pathKey) : null;
    const coverage = computeCoverage({ usable, subscriptions, lastDelivery: known.lastDelivery, webhookName: name ?? 'halo-sync real-time sync' });
    const ok = issues.length === 0;
    return {
      ok,
      installed: !!hook,
      expectedUrl: url,
      webhook: hook ? { id: String(hook.id), name: String(hook.name ?? ''), url: hook.url ?? null, active: hook.active !== false, disabled: hook.disabled === true } : null,
      subscriptions,
      coverage,
      toldEvents: known.told,
      webhookName: name,
      issues,
      recentFailures: failures.count,
      lastFailure: failures.last ? { at: failures.last.at, status: failures.last.status } : null,
      changes,
      ...describeCoverage(coverage, this.deps.schedule),
      checkedAt: new Date(),
    };
  }

  private async remember(em: EntityManager, config: HaloWebhookConfig, report: WebhookStatusReport): Promise<void> {
    config.lastVerifiedAt = report.checkedAt;
    config.lastVerification = { ok: report.ok, detail: summary(report) };
    await em.flush();
    const coverage: StoredCoverage = { at: report.checkedAt.toISOString(), rows: report.coverage.map((r) => ({ entity: r.entity, action: r.action, state: r.state })) };
    await em.getConnection().execute('update halo_webhook_config set last_coverage = ?::jsonb where tenant_id = ?', [JSON.stringify(coverage), config.tenantId]);
    this.deps.onConfigChanged?.(config.pathKey);
  }
}

/** The database's clock: read-back times are compared with rows the receiver stamps with it. */
const dbNow = async (em: EntityManager): Promise<Date> => new Date((await em.getConnection().execute<{ t: Date }[]>('select clock_timestamp() as t'))[0]!.t);

const heldOf = (n: HaloNotification): HeldNotification => ({ id: Number(n.id), eventno: haloInt(n.eventno), name: typeof n.name === 'string' ? n.name : '' });

/** One sentence for the checklist: the state of our webhook, and what Halo holds on it (nothing else counts). */
export function summary(r: WebhookStatusReport): string {
  if (!r.ok) return r.issues.map((i) => i.message).join(' ');
  const held = r.subscriptions.filter((s) => s.installed);
  const covered = r.coverage.filter((c) => c.state !== 'MISSING');
  const byEntity = WEBHOOK_ENTITY_NAMES.map((e) => [e, covered.filter((c) => c.entity === e).map((c) => c.action)] as const).filter(([, a]) => a.length);
  const what = byEntity.length ? byEntity.map(([e, a]) => `${e} ${a.join('/')}`).join(', ') : 'nothing we sync';
  return `Installed and active → ${r.expectedUrl ?? '?'}. Halo holds ${held.length} event subscription${held.length === 1 ? '' : 's'} on it, covering ${what}; everything else is polled.`;
}
