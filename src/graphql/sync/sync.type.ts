import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SYNC_ENTITIES } from '../../sync/entities';
import { enumOf } from '../common/enums';

export const SyncEntityEnum = enumOf(SYNC_ENTITIES);
registerEnumType(SyncEntityEnum, { name: 'SyncEntity' });

export enum SyncRunStatusEnum {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  PARTIAL = 'PARTIAL',
  FAILED = 'FAILED',
}
registerEnumType(SyncRunStatusEnum, { name: 'SyncRunStatus', description: 'PARTIAL: some entities failed; their errors are listed.' });

export enum SyncKindEnum {
  FULL = 'FULL',
  INCREMENTAL = 'INCREMENTAL',
}
registerEnumType(SyncKindEnum, { name: 'SyncKind' });

@ObjectType('SyncEntityProgress', { simpleResolvers: true })
export class SyncEntityProgressType {
  @Field(() => String) entity!: string;
  @Field(() => String, { description: 'pending, running, done or failed' }) state!: string;
  @Field(() => Int, { description: 'Halo records read so far.' }) done!: number;
  @Field(() => Int, { nullable: true, description: 'Halo records in all, once known.' }) total!: number | null;
  @Field(() => Int) pages!: number;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => Int, { description: 'Marked deleted: gone or inactive in Halo (full runs).' }) deleted!: number;
  @Field(() => Int, { description: 'Not synced (e.g. items without a product group); see recordErrors.' }) skipped!: number;
  @Field(() => Int) errors!: number;
}

@ObjectType('SyncRecordError', { simpleResolvers: true, description: 'A record a run could not sync, with the reason and the fix.' })
export class SyncRecordErrorType {
  @Field(() => String) entity!: string;
  @Field(() => Int, { nullable: true }) haloId!: number | null;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) code!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true }) hint!: string | null;
  @Field(() => Date) at!: Date;
}

@ObjectType('SyncRun', { simpleResolvers: true })
export class SyncRunType {
  @Field(() => ID) id!: string;
  @Field(() => SyncKindEnum) kind!: SyncKindEnum;
  @Field(() => SyncRunStatusEnum) status!: SyncRunStatusEnum;
  @Field(() => String, { description: 'manual, schedule:<name>, demo' }) trigger!: string;
  @Field(() => [SyncEntityEnum]) entities!: string[];
  @Field(() => Int, { description: 'Requests made to Halo.' }) haloRequests!: number;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@InputType()
export class StartSyncInput {
  @Field(() => Boolean, { defaultValue: false, description: 'Full: everything, and marks records gone from Halo. Otherwise incremental.' })
  full!: boolean;

  @Field(() => [SyncEntityEnum], { nullable: true, description: 'Only these entities (default: all).' })
  entities?: string[] | null;
}
