import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ simpleResolvers: true, description: 'A problem found while syncing one record, with what to do about it.' })
export class SyncError {
  @Field(() => String, { description: 'Stable machine-readable code, e.g. ITEM_WITHOUT_GROUP.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: 'How to fix it, in words a Halo admin can act on.' })
  hint?: string;

  @Field(() => Date)
  at!: Date;
}

/** Fields every record mirrored from Halo exposes. */
@ObjectType({ simpleResolvers: true })
export abstract class SyncedFields {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true, description: 'The record id in Halo; null until pushed for records created here.' })
  haloId?: number | null;

  @Field(() => Date, { nullable: true, description: 'When this record was last written from or to Halo.' })
  lastSyncedAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set when the record was deleted or inactivated in Halo.' })
  deletedAt?: Date | null;

  @Field(() => [SyncError])
  syncErrors!: SyncError[];

  @Field(() => String, { description: 'HALO: mirrored from Halo. LOCAL: created here and pushed to Halo.' })
  origin!: string;

  @Field(() => String, { nullable: true, description: 'For records pushed to Halo: PENDING, PUSHED or FAILED (see pushError).' })
  pushState?: string | null;

  @Field(() => String, { nullable: true, description: 'Why the last push to Halo failed, and what to do.' })
  pushError?: string | null;

  @Field(() => Date, { nullable: true })
  pushedAt?: Date | null;
}
