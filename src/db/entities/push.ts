import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type OutboxState = 'PENDING' | 'IN_PROGRESS' | 'DONE' | 'FAILED';

/**
 * A write to Halo that must happen exactly once, recorded in the same transaction as the change that causes it
 * and carried out by a worker (see push/outbox.ts). Rows are kept as the push history.
 */
@Entity({ tableName: 'outbox' })
@Index({ properties: ['state', 'nextAttemptAt'] })
@Index({ properties: ['tenantId', 'targetId', 'createdAt'] })
export class OutboxRow {
  [OptionalProps]?: 'state' | 'attempts' | 'createdAt' | 'updatedAt' | 'nextAttemptAt' | 'seq' | 'outcomeUnknown';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Total order of pushes, so the pushes of one record run in the order they were made. */
  @Property({ type: 'bigint', autoincrement: true, unique: true })
  seq!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  /** e.g. quote.createQuotation, quote.status, opportunity.push, item.create */
  @Property({ type: 'text' })
  kind!: string;

  /** Our record the push is about (a quote, opportunity, item). */
  @Property({ type: 'uuid' })
  targetId!: string;

  @Property({ type: 'jsonb', nullable: true })
  payload?: Record<string, unknown> | null;

  @Property({ type: 'text', default: 'PENDING' })
  state: OutboxState = 'PENDING';

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  nextAttemptAt: Date = new Date();

  /** While IN_PROGRESS: a worker holds the row until then; after it, the row is claimable again (worker died). */
  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil?: Date | null;

  /** Halo's answer was lost at least once: the next attempt looks the record up before writing. */
  @Property({ type: 'boolean', default: false })
  outcomeUnknown: boolean = false;

  @Property({ type: 'text', nullable: true })
  lastErrorCode?: string | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'integer', nullable: true })
  haloId?: number | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  doneAt?: Date | null;
}

/** A field both sides changed since the last sync, and how the stated rule resolved it. */
@Entity({ tableName: 'sync_conflict' })
@Index({ properties: ['tenantId', 'at'] })
export class SyncConflict {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  entity!: string;

  @Property({ type: 'uuid' })
  recordId!: string;

  @Property({ type: 'text' })
  field!: string;

  @Property({ type: 'jsonb', nullable: true })
  localValue?: unknown;

  @Property({ type: 'jsonb', nullable: true })
  haloValue?: unknown;

  /** LOCAL or HALO */
  @Property({ type: 'text' })
  winner!: string;

  @Property({ type: 'text' })
  rule!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  at: Date = new Date();
}
