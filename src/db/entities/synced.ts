import { OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** Per-record problems found while syncing, shown to users beside the record. */
export interface RecordSyncError {
  code: string;
  message: string;
  hint?: string;
  at: string;
}

/**
 * Bookkeeping every record mirrored from Halo carries. `haloId` is null for a record created on our side and not
 * yet pushed. Rows are never hard-deleted by sync: `deletedAt` marks records Halo deleted or inactivated.
 */
export abstract class SyncedRecord {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'syncErrors' | 'inactive' | 'isProspect' | 'recurring' | 'status' | 'lastSeenRunId' | 'origin';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  // Indexed through each table's unique (tenant_id, halo_id).
  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'integer', nullable: true })
  haloId?: number | null;

  /** Halo's own last-update time of the record; an older state never overwrites a newer one. */
  @Property({ type: 'timestamptz', nullable: true })
  haloUpdatedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSyncedAt?: Date | null;

  /** Hash of the mapped content, so unchanged records are not rewritten by a scan. */
  @Property({ type: 'text', nullable: true })
  contentHash?: string | null;

  @Property({ type: 'jsonb', default: '[]' })
  syncErrors: RecordSyncError[] = [];

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt?: Date | null;

  /**
   * The full sync run that last saw the record in Halo. Bumped without rewriting the row's content, so a full run
   * marks as deleted exactly the rows it did not see.
   */
  @Property({ type: 'uuid', nullable: true })
  lastSeenRunId?: string | null;

  /** HALO: mirrored from Halo. LOCAL: created here; Halo gets it through a push. */
  @Property({ type: 'text', default: 'HALO' })
  origin: 'HALO' | 'LOCAL' = 'HALO';

  /** For records pushed to Halo: PENDING while a push is queued or retrying, PUSHED, or FAILED (see pushError). */
  @Property({ type: 'text', nullable: true })
  pushState?: 'PENDING' | 'PUSHED' | 'FAILED' | null;

  @Property({ type: 'text', nullable: true })
  pushError?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  pushedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
