import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { OutboxRow } from '../../db/entities';
import { badInput } from '../common/errors';
import type { GraphQLContext } from '../context';

@ObjectType('Push', { simpleResolvers: true, description: 'One write to Halo: what, for which record, and how it went.' })
class PushType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'quote.createQuotation, quote.status, opportunity.push, item.create, …' }) kind!: string;
  @Field(() => ID, { description: 'Our record the push is about.' }) targetId!: string;
  @Field(() => String, { description: 'PENDING, IN_PROGRESS, DONE or FAILED' }) state!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true }) haloId!: number | null;
  @Field(() => String, { nullable: true }) lastErrorCode!: string | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) doneAt!: Date | null;
}

@Resolver()
export class PushResolver {
  @Query(() => [PushType], {
    description: 'Pushes to Halo, newest first; filter by record or state. A quote\'s pushes include those it caused on another record (the status moves of its opportunity, kind quote.status).',
  })
  pushes(
    @Arg('targetId', () => ID, { nullable: true, description: 'Our record: its own pushes and the ones it caused.' }) targetId: string | null,
    @Arg('state', () => String, { nullable: true }) state: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: GraphQLContext,
  ) {
    if (first < 1 || first > 200) throw badInput('`first` must be between 1 and 200', 'first');
    if (targetId && !/^[0-9a-f-]{36}$/i.test(targetId)) return [];
    return ctx.em.find(
      OutboxRow,
      {
        tenantId: ctx.tenantId,
        ...(targetId ? { $or: [{ targetId }, { kind: 'quote.status', payload: { quoteId: targetId } }] } : {}),
        ...(state ? { state: state as OutboxRow['state'] } : {}),
      },
      { orderBy: { seq: 'desc' }, limit: first },
    );
  }

  @Mutation(() => PushType, { description: 'Tries a FAILED push again (after fixing what its error says).' })
  async retryPush(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await ctx.services.outbox.retry(ctx.em, ctx.tenantId, id) : null;
    if (!row) throw badInput('no failed push with this id', 'id');
    return row;
  }
}
