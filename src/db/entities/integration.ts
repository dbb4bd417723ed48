import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type ConnectionStatus = 'CONNECTED' | 'FAILING' | 'DISCONNECTED';

/** A tenant's Halo connection. The client secret is only ever stored sealed (see crypto/secret-box.ts). */
@Entity({ tableName: 'halo_connection' })
export class HaloConnectionRow {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'status' | 'lastCheck';

  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  /** Normalised Halo web address, e.g. https://acme.halopsa.com */
  @Property({ type: 'text' })
  baseUrl!: string;

  @Property({ type: 'text', nullable: true })
  haloTenant?: string | null;

  @Property({ type: 'text' })
  clientId!: string;

  @Property({ type: 'text' })
  secretKeyId!: string;

  @Property({ type: 'text' })
  secretSealed!: string;

  @Property({ type: 'text', default: 'CONNECTED' })
  status: ConnectionStatus = 'CONNECTED';

  @Property({ type: 'timestamptz', nullable: true })
  lastCheckedAt?: Date | null;

  /** The diagnostic steps of the last check (messages never carry secrets). */
  @Property({ type: 'jsonb', default: '[]' })
  lastCheck: { step: string; ok: boolean; message: string; fix?: string }[] = [];

  @Property({ type: 'integer', nullable: true })
  agentId?: number | null;

  @Property({ type: 'text', nullable: true })
  agentName?: string | null;

  @Property({ type: 'boolean', nullable: true })
  pipelineStagesEnabled?: boolean | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** The tenant's mapping and defaults document; `version` increments on every save. */
@Entity({ tableName: 'integration_settings' })
export class IntegrationSettingsRow {
  [OptionalProps]?: 'updatedAt' | 'version';

  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'jsonb' })
  doc!: Record<string, unknown>;

  @Property({ type: 'integer', default: 0, version: false })
  version: number = 0;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One configuration change: what changed, when, by which API key, before and after. */
@Entity({ tableName: 'config_change' })
@Index({ properties: ['tenantId', 'at'] })
export class ConfigChange {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  section!: string;

  @Property({ type: 'uuid', nullable: true })
  apiKeyId?: string | null;

  @Property({ type: 'jsonb', nullable: true })
  before?: unknown;

  @Property({ type: 'jsonb', nullable: true })
  after?: unknown;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  at: Date = new Date();
}
