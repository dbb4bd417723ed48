import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A tenant's inbound-webhook identity: the unguessable path Halo posts to, the shared secret (sealed, like the Halo
 * client secret) and what we last installed in Halo.
 */
@Entity({ tableName: 'halo_webhook_config' })
export class HaloWebhookConfig {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  /** The last segment of `/webhooks/halo/<pathKey>`; also marks our webhook's name in Halo. */
  @Property({ type: 'text' })
  @Unique()
  pathKey!: string;

  @Property({ type: 'text' })
  secretKeyId!: string;

  @Property({ type: 'text' })
  secretSealed!: string;

  /** Halo's GUID of our webhook, once installed. */
  @Property({ type: 'text', nullable: true })
  haloWebhookId?: string | null;

  @Property({ type: 'text', nullable: true })
  url?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  installedAt?: Date | null;

  /** The last verification against Halo (the checklist falls back to it when Halo cannot be asked). */
  @Property({ type: 'timestamptz', nullable: true })
  lastVerifiedAt?: Date | null;

  @Property({ type: 'jsonb', nullable: true })
  lastVerification?: { ok: boolean; detail: string } | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/**
 * RECEIVED: stored, waiting; PROCESSING: claimed by a worker; PROCESSED: refetched and applied (see `outcome`);
 * FAILED: gave up (see `error`; can be retried); DUPLICATE: the same delivery or the same change arrived before;
 * STALE: a newer event for the same record was already applied; IGNORED: an event or record we do not sync.
 */
export type WebhookDeliveryStatus = 'RECEIVED' | 'PROCESSING' | 'PROCESSED' | 'FAILED' | 'DUPLICATE' | 'STALE' | 'IGNORED';

/** One event Halo delivered to us, stored before we answer, processed afterwards. */
@Entity({ tableName: 'webhook_delivery' })
@Index({ properties: ['tenantId', 'receivedAt'] })
@Index({ properties: ['tenantId', 'haloDeliveryId'] })
@Index({ properties: ['tenantId', 'entity', 'haloObjectId'] })
@Index({ properties: ['status', 'nextAttemptAt'] })
export class WebhookDelivery {
  [OptionalProps]?: 'receivedAt' | 'attempts' | 'status';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** The payload's `id` (duplicates share it). */
  @Property({ type: 'text', nullable: true })
  haloDeliveryId?: string | null;

  @Property({ type: 'text', nullable: true })
  haloWebhookId?: string | null;

  @Property({ type: 'text' })
  event!: string;

  @Property({ type: 'integer', nullable: true })
  eventno?: number | null;

  /** The sync entity it concerns (companies, sites, contacts, items, opportunities); null when not handled. */
  @Property({ type: 'text', nullable: true })
  entity?: string | null;

  @Property({ type: 'text', nullable: true })
  action?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloObjectId?: number | null;

  /** When Halo raised the event (Halo's clock; orders events of one record). */
  @Property({ type: 'timestamptz', nullable: true })
  eventAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  receivedAt: Date = new Date();

  @Property({ type: 'text', default: 'RECEIVED' })
  status: WebhookDeliveryStatus = 'RECEIVED';

  /** PROCESSED: WRITTEN, UNCHANGED, DELETED or NOT_FOUND. */
  @Property({ type: 'text', nullable: true })
  outcome?: string | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  claimedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  processedAt?: Date | null;

  /** DUPLICATE: the delivery it repeats. */
  @Property({ type: 'uuid', nullable: true })
  duplicateOf?: string | null;

  /** The raw body as received (verified against the signature). */
  @Property({ type: 'text' })
  body!: string;
}
