import { Arg, Args, ArgsType, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Quote } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { listRecords } from '../common/records';
import type { GraphQLContext } from '../context';
import { QuoteConnection, QuoteType } from './quote.type';

@ArgsType()
class QuotesArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  opportunityId?: string | null;
}

@Resolver(() => QuoteType)
export class QuoteResolver {
  @Query(() => QuoteConnection)
  quotes(@Args(() => QuotesArgs) args: QuotesArgs, @Ctx() ctx: GraphQLContext) {
    const where: FilterQuery<Quote> = {};
    if (args.companyId) where.companyId = args.companyId;
    if (args.opportunityId) where.opportunityId = args.opportunityId;
    return listRecords(ctx.em, Quote, { tenantId: ctx.tenantId, sortField: 'title', page: args, where });
  }

  @Query(() => QuoteType, { nullable: true })
  quote(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.quote.load(id);
  }
}
