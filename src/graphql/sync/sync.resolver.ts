import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { SyncRun } from '../../db/entities';
import { SYNC_ENTITIES } from '../../sync/entities';
import { SyncInputError } from '../../sync/service';
import { badInput } from '../common/errors';
import type { GraphQLContext } from '../context';
import { StartSyncInput, SyncEntityProgressType, SyncRecordErrorType, SyncRunType } from './sync.type';

@Resolver(() => SyncRunType)
export class SyncResolver {
  @Mutation(() => SyncRunType, { description: 'Starts a sync and returns at once; asking again while one runs returns that run.' })
  async startSync(@Arg('input', () => StartSyncInput, { defaultValue: { full: false } }) input: StartSyncInput, @Ctx() ctx: GraphQLContext) {
    try {
      return await ctx.services.sync.start(ctx.em, ctx.tenantId, { kind: input.full ? 'FULL' : 'INCREMENTAL', entities: input.entities, trigger: 'manual' });
    } catch (err) {
      if (err instanceof SyncInputError) throw badInput(err.message, `input.${err.field}`);
      throw err;
    }
  }

  @Query(() => SyncRunType, { nullable: true })
  syncRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return /^[0-9a-f-]{36}$/i.test(id) ? ctx.services.sync.get(ctx.em, ctx.tenantId, id) : null;
  }

  @Query(() => [SyncRunType], { description: 'Sync history, newest first.' })
  syncRuns(@Arg('first', () => Int, { defaultValue: 20 }) first: number, @Ctx() ctx: GraphQLContext) {
    if (first < 1 || first > 200) throw badInput('`first` must be between 1 and 200', 'first');
    return ctx.services.sync.list(ctx.em, ctx.tenantId, first);
  }

  @FieldResolver(() => [SyncEntityProgressType])
  progress(@Root() run: SyncRun) {
    return SYNC_ENTITIES.filter((e) => run.progress[e]).map((entity) => ({ entity, ...run.progress[entity] }));
  }

  @FieldResolver(() => Int, { nullable: true })
  durationMs(@Root() run: SyncRun) {
    return run.startedAt ? (run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime() : null;
  }

  @FieldResolver(() => [SyncRecordErrorType])
  recordErrors(@Root() run: SyncRun, @Arg('first', () => Int, { defaultValue: 100 }) first: number, @Ctx() ctx: GraphQLContext) {
    return ctx.services.sync.recordErrors(ctx.em, ctx.tenantId, run.id, Math.min(Math.max(first, 1), 1000));
  }
}
