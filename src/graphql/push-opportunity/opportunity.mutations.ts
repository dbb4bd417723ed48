import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { OutboxRow, SyncConflict } from '../../db/entities';
import { InputError } from '../../common/input-error';
import { OpportunityService, type OpportunityPatch } from '../../opportunities/opportunity.service';
import type { GraphQLContext } from '../context';
import { guard } from '../integration/errors';
import { OpportunityType } from '../opportunity/opportunity.type';
import { CreateOpportunityInput, UpdateOpportunityInput } from './opportunity.input';
import { SyncConflictType } from './sync-conflict.type';

@ArgsType()
class SyncConflictsArgs {
  @Field(() => Int, { defaultValue: 50, description: 'How many, newest first (1 to 200).' })
  first: number = 50;

  @Field(() => ID, { nullable: true, description: 'Only the conflicts of this record.' })
  recordId?: string | null;
}

/** type-graphql hands over class instances; the service takes plain input (omitted fields stay omitted). */
const plain = <T extends object>(input: T): T => ({ ...input });

async function service(ctx: GraphQLContext): Promise<OpportunityService> {
  return new OpportunityService({ outbox: ctx.services.outbox, settings: await ctx.services.settings.get(ctx.em, ctx.tenantId) });
}

/** Opportunities made and edited here (pushed to Halo through the outbox), and the conflicts met on the way. */
@Resolver()
export class OpportunityMutationsResolver {
  @Mutation(() => OpportunityType, { description: 'Creates an opportunity here; its Halo ticket follows through a push (see pushState).' })
  createOpportunity(@Arg('input', () => CreateOpportunityInput) input: CreateOpportunityInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', async () => (await service(ctx)).create(ctx.em, ctx.tenantId, plain(input)));
  }

  @Mutation(() => OpportunityType, { description: 'Edits an opportunity; the changes reach Halo through a push, merged with Halo-side edits by the conflict rule.' })
  updateOpportunity(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateOpportunityInput) input: UpdateOpportunityInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', async () => (await service(ctx)).update(ctx.em, ctx.tenantId, id, plain(input) as OpportunityPatch));
  }

  @Mutation(() => OpportunityType, { description: 'Queues a failed push of this opportunity again (after fixing what its pushError says).' })
  retryOpportunityPush(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return guard('', async () => {
      await retryFailed(ctx, id);
      return ctx.loaders.opportunity.load(id);
    });
  }

  @Query(() => [SyncConflictType], { description: 'Fields changed on both sides since the last sync, newest first, with the rule that decided.' })
  async syncConflicts(@Args(() => SyncConflictsArgs) args: SyncConflictsArgs, @Ctx() ctx: GraphQLContext): Promise<SyncConflictType[]> {
    const rows = await ctx.em.find(
      SyncConflict,
      { tenantId: ctx.tenantId, ...(args.recordId ? { recordId: args.recordId } : {}) },
      { orderBy: { at: 'desc', id: 'asc' }, limit: args.first },
    );
    return rows.map((c) => ({ ...c, localValue: json(c.localValue), haloValue: json(c.haloValue) }));
  }
}

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** The record's failed push (the oldest: later ones wait behind it), back in the queue. */
export async function retryFailed(ctx: GraphQLContext, targetId: string): Promise<void> {
  const failed = await ctx.em.findOne(OutboxRow, { tenantId: ctx.tenantId, targetId, state: 'FAILED' }, { orderBy: { seq: 'asc' } });
  if (!failed) throw new InputError([{ path: 'id', code: 'NO_FAILED_PUSH', message: 'This record has no failed push to retry.' }]);
  await ctx.services.outbox.retry(ctx.em, ctx.tenantId, failed.id);
}
