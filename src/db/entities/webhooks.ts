import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A tenant's inbound-webhook identity: the unguessable path Halo posts to, the shared secret (sealed, like the Halo
 * client secret) and what we last installed in Halo.
 */
@Entity({ tableName: 'halo_webhook_config' })
export class HaloWebhookConfig {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'replayedDeliveries' | 'refusedDeliveries';

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

  /**
   * Event numbers an admin told us (`setHaloWebhookEvents`): subscribed on the next install/repair. Replaced whole
   * by each call; written with one statement, never through this entity.
   */
  @Property({ type: 'jsonb', nullable: true })
  toldEvents?: ToldHaloEvent[] | null;

  /** Real-time coverage per entity and action at the last verification (the scheduler polls what it lacks). */
  @Property({ type: 'jsonb', nullable: true })
  lastCoverage?: StoredCoverage | null;

  /** Events delivered again with a Halo delivery id we already held: answered 2xx, nothing stored. Written by SQL only. */
  @Property({ type: 'integer', default: 0 })
  replayedDeliveries: number = 0;

  /** New events refused for an event time outside the replay window (WEBHOOK_MAX_AGE_SECONDS / _FUTURE_SECONDS). */
  @Property({ type: 'integer', default: 0 })
  refusedDeliveries: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  lastRefusedAt?: Date | null;

  /** Why the last one was refused, in words. */
  @Property({ type: 'text', nullable: true })
  lastRefusal?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One event number an admin told us, for one entity and action. */
export interface ToldHaloEvent {
  entity: string;
  action: string;
  eventNumber: number;
}

/** Real-time coverage per entity and action (REALTIME_CONFIRMED, SUBSCRIBED, MISSING) as verified at `at`. */
export interface StoredCoverage {
  at: string;
  rows: { entity: string; action: string; state: string }[];
}

/**
 * What we know of one Halo notification (event subscription) on a tenant's webhook: which event it is and what
 * it is about, and how we learned that. Written when we read Halo's subscriptions back (install, repair, status:
 * rows of notifications Halo no longer holds go) and when the first delivery through a not yet recognised one
 * arrives; the receiver reads it to recognise deliveries by their `notification_id`.
 */
@Entity({ tableName: 'halo_webhook_subscription' })
export class HaloWebhookSubscription {
  [OptionalProps]?: 'name' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  tenantId!: string;

  /** Halo's id of the notification (deliveries carry it as `notification_id`). */
  @PrimaryKey({ type: 'integer' })
  notificationId!: number;

  @Property({ type: 'integer', nullable: true })
  eventno?: number | null;

  /** The notification's name in Halo (the event's name when ticked in Halo's UI). */
  @Property({ type: 'text', default: '' })
  name: string = '';

  /** clients, sites, users, items or tickets; null while not recognised. */
  @Property({ type: 'text', nullable: true })
  resource?: string | null;

  /** created, updated or deleted; null while not recognised. */
  @Property({ type: 'text', nullable: true })
  action?: string | null;

  /** KNOWN_EVENT (facts.ts), TOLD (setHaloWebhookEvents), NAME (its name), DELIVERY (the first delivery through it). */
  @Property({ type: 'text', nullable: true })
  classifiedBy?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  firstDeliveryAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/**
 * RECEIVED: stored, waiting; PROCESSING: claimed by a worker; PROCESSED: refetched and applied (see `outcome`);
 * FAILED: gave up (see `error`; can be retried); DUPLICATE: the same change arrived in another delivery;
 * STALE: a newer event for the same record was already applied; IGNORED: an event or record we do not sync.
 */
export type WebhookDeliveryStatus = 'RECEIVED' | 'PROCESSING' | 'PROCESSED' | 'FAILED' | 'DUPLICATE' | 'STALE' | 'IGNORED';

/** One event Halo delivered to us, stored before we answer, processed afterwards. */
@Entity({ tableName: 'webhook_delivery' })
@Index({ properties: ['tenantId', 'receivedAt'] })
@Unique({ properties: ['tenantId', 'haloDeliveryId'] })
@Index({ properties: ['tenantId', 'entity', 'haloObjectId'] })
@Index({ properties: ['tenantId', 'entity', 'action', 'receivedAt'] })
@Index({ properties: ['status', 'nextAttemptAt'] })
export class WebhookDelivery {
  [OptionalProps]?: 'receivedAt' | 'attempts' | 'status';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** The payload's `id`: one row per id and tenant (a replay of it stores nothing). */
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
