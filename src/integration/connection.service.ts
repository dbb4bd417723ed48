import type { EntityManager } from '@mikro-orm/postgresql';
import { diagnose, normalizeHaloUrl, type DiagnosticStep } from '../halo';
import { ConfigChange, HaloConnectionRow } from '../db/entities';
import { Company, Contact, Item, Opportunity, Quote } from '../db/entities';
import type { SecretBox } from '../crypto/secret-box';
import { HaloAccess, NotConnectedError, secretContext } from './halo-access';
import type { EgressPolicy } from './egress';

export interface ConnectInput {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  tenant?: string | null;
}

export interface ConnectResult {
  ok: boolean;
  steps: DiagnosticStep[];
  /** The first failed step that blocks the connection. */
  failedStep: DiagnosticStep | null;
  connection: HaloConnectionRow | null;
}

/** Diagnostics that only warn: the connection works without them and the setup checklist keeps reporting them. */
const NON_BLOCKING = new Set(['pipeline_stages']);

const blocking = (steps: DiagnosticStep[]) => steps.find((s) => !s.ok && !NON_BLOCKING.has(s.step)) ?? null;

function agentFrom(steps: DiagnosticStep[]): { id: number | null; name: string | null } {
  const msg = steps.find((s) => s.step === 'agent' && s.ok)?.message ?? '';
  const m = /agent "(.*)" \(id (\d+)\)/.exec(msg);
  return m ? { name: m[1], id: Number(m[2]) } : { id: null, name: null };
}

/** A connection as anyone may see it: never the secret, sealed or not. */
export function connectionView(row: HaloConnectionRow) {
  return {
    status: row.status,
    baseUrl: row.baseUrl,
    clientId: row.clientId,
    haloTenant: row.haloTenant ?? null,
    lastCheckedAt: row.lastCheckedAt ?? null,
    lastCheck: row.lastCheck,
    agentId: row.agentId ?? null,
    agentName: row.agentName ?? null,
    pipelineStagesEnabled: row.pipelineStagesEnabled ?? null,
  };
}

/** Connect, test and disconnect a tenant's Halo; setup guide step 4 and its "Connection failed" list. */
export class ConnectionService {
  constructor(
    private readonly access: HaloAccess,
    private readonly box: SecretBox,
    /** Which addresses Halo may be at; every address when absent. */
    private readonly egress?: EgressPolicy,
  ) {}

  async get(em: EntityManager, tenantId: string): Promise<HaloConnectionRow | null> {
    return em.findOne(HaloConnectionRow, { tenantId });
  }

  async connect(em: EntityManager, tenantId: string, apiKeyId: string, input: ConnectInput): Promise<ConnectResult> {
    let baseUrl: string;
    try {
      baseUrl = normalizeHaloUrl(input.baseUrl).appUrl;
    } catch {
      baseUrl = input.baseUrl;
    }
    // A non-public address is refused before anything is sent: one answer, whether anything listens there or not.
    const refused = await this.egress?.check(input.baseUrl);
    if (refused) {
      const step: DiagnosticStep = { step: 'url', ok: false, message: refused.message, fix: 'Enter the address you use to log in to Halo, e.g. yourcompany.halopsa.com.' };
      return { ok: false, steps: [step], failedStep: step, connection: null };
    }
    const steps = await diagnose(this.access.clientOptions({ ...input, baseUrl: input.baseUrl }));
    const failed = blocking(steps);
    if (failed) return { ok: false, steps, failedStep: failed, connection: null };

    const sealed = this.box.seal(input.clientSecret, secretContext(tenantId));
    const agent = agentFrom(steps);
    const existing = await em.findOne(HaloConnectionRow, { tenantId });
    const before = existing ? connectionView(existing) : null;
    const row = existing ?? em.create(HaloConnectionRow, { tenantId, baseUrl, clientId: input.clientId, secretKeyId: sealed.keyId, secretSealed: sealed.sealed });
    Object.assign(row, {
      baseUrl,
      clientId: input.clientId,
      haloTenant: input.tenant ?? null,
      secretKeyId: sealed.keyId,
      secretSealed: sealed.sealed,
      status: 'CONNECTED',
      lastCheckedAt: new Date(),
      lastCheck: steps,
      agentId: agent.id,
      agentName: agent.name,
      pipelineStagesEnabled: steps.find((s) => s.step === 'pipeline_stages')?.ok ?? null,
    });
    em.create(ConfigChange, { tenantId, apiKeyId, section: 'connection', before, after: connectionView(row) });
    await em.flush();
    this.access.forget(tenantId);
    return { ok: true, steps, failedStep: null, connection: row };
  }

  /** Re-runs the diagnostics with the stored credentials and records the outcome on the connection. */
  async test(em: EntityManager, tenantId: string): Promise<ConnectResult> {
    let stored;
    try {
      stored = await this.access.stored(em, tenantId);
    } catch (err) {
      if (err instanceof NotConnectedError) return { ok: false, steps: [], failedStep: null, connection: null };
      throw err;
    }
    const { row, options } = stored;
    const steps = await diagnose(options);
    const failed = blocking(steps);
    const agent = agentFrom(steps);
    Object.assign(row, {
      status: failed ? 'FAILING' : 'CONNECTED',
      lastCheckedAt: new Date(),
      lastCheck: steps,
      agentId: agent.id ?? row.agentId,
      agentName: agent.name ?? row.agentName,
      pipelineStagesEnabled: steps.find((s) => s.step === 'pipeline_stages')?.ok ?? row.pipelineStagesEnabled,
    });
    await em.flush();
    return { ok: !failed, steps, failedStep: failed, connection: row };
  }

  /**
   * Forgets the credentials. Synced data stays (the frontend keeps working on it) unless `deleteSyncedData`.
   */
  async disconnect(em: EntityManager, tenantId: string, apiKeyId: string, deleteSyncedData: boolean): Promise<boolean> {
    const row = await em.findOne(HaloConnectionRow, { tenantId });
    if (!row) return false;
    await em.transactional(async (tx) => {
      tx.create(ConfigChange, { tenantId, apiKeyId, section: 'connection', before: connectionView(row), after: { status: 'DISCONNECTED', deletedSyncedData: deleteSyncedData } });
      await tx.nativeDelete(HaloConnectionRow, { tenantId });
      if (deleteSyncedData) {
        for (const entity of [Quote, Opportunity, Contact, Item, Company]) await tx.nativeDelete(entity, { tenantId });
      }
    });
    this.access.forget(tenantId);
    return true;
  }

  /** Re-seals every stored secret with the current (first) key. Returns how many were re-sealed. */
  async rotateSecrets(em: EntityManager): Promise<number> {
    const rows = await em.find(HaloConnectionRow, { secretKeyId: { $ne: this.box.currentKeyId } });
    for (const row of rows) {
      const plain = this.box.open({ keyId: row.secretKeyId, sealed: row.secretSealed }, secretContext(row.tenantId));
      const sealed = this.box.seal(plain, secretContext(row.tenantId));
      row.secretKeyId = sealed.keyId;
      row.secretSealed = sealed.sealed;
    }
    await em.flush();
    return rows.length;
  }
}
