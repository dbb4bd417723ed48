import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type SyncRunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
export type SyncKind = 'FULL' | 'INCREMENTAL';

/** Per-entity progress of a run, checkpointed after every page. */
export interface EntityProgress {
  state: 'pending' | 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  pages: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  skipped: number;
  errors: number;
}

/**
 * One sync run. At most one QUEUED/RUNNING run per tenant, enforced by a partial unique index (see the migration),
 * so it holds across any number of processes.
 */
@Entity({ tableName: 'sync_run' })
@Index({ properties: ['tenantId', 'createdAt'] })
export class SyncRun {
  [OptionalProps]?: 'createdAt' | 'status' | 'progress' | 'haloRequests' | 'attempts' | 'trigger';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  kind!: SyncKind;

  @Property({ type: 'jsonb' })
  entities!: string[];

  @Property({ type: 'text', default: 'QUEUED' })
  status: SyncRunStatus = 'QUEUED';

  /** manual, schedule, demo, … */
  @Property({ type: 'text', default: 'manual' })
  trigger: string = 'manual';

  @Property({ type: 'jsonb', default: '{}' })
  progress: Record<string, EntityProgress> = {};

  @Property({ type: 'integer', default: 0 })
  haloRequests: number = 0;

  /** How many times a worker started this run (a run resumed after a crash is started again). */
  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  /** Set by the worker while it runs; a RUNNING run without a fresh heartbeat was abandoned by a dead process. */
  @Property({ type: 'timestamptz', nullable: true })
  heartbeatAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;
}

/** A record a run could not sync, with why and what to do. */
@Entity({ tableName: 'sync_record_error' })
@Index({ properties: ['runId'] })
export class SyncRecordError {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  runId!: string;

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  entity!: string;

  @Property({ type: 'integer', nullable: true })
  haloId?: number | null;

  @Property({ type: 'text', nullable: true })
  name?: string | null;

  @Property({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'text', nullable: true })
  hint?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  at: Date = new Date();
}

/** Per tenant and entity: from when the next incremental run asks Halo for changes. */
@Entity({ tableName: 'sync_cursor' })
@Unique({ properties: ['tenantId', 'entity'] })
export class SyncCursor {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text' })
  entity!: string;

  @Property({ type: 'timestamptz' })
  syncedFrom!: Date;
}

/** A cron slot that has fired: the first process to insert it runs the slot, every other one skips it. */
@Entity({ tableName: 'schedule_slot' })
export class ScheduleSlot {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  at: Date = new Date();
}
