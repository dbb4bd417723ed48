import { Arg, Args, ArgsType, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { Opportunity } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { listRecords } from '../common/records';
import type { GraphQLContext } from '../context';
import { OpportunityConnection, OpportunityType } from './opportunity.type';

@ArgsType()
class OpportunitiesArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;
}

@Resolver(() => OpportunityType)
export class OpportunityResolver {
  @Query(() => OpportunityConnection)
  opportunities(@Args(() => OpportunitiesArgs) args: OpportunitiesArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, Opportunity, {
      tenantId: ctx.tenantId,
      sortField: 'title',
      page: args,
      where: args.companyId ? { companyId: args.companyId } : undefined,
    });
  }

  @Query(() => OpportunityType, { nullable: true })
  opportunity(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.opportunity.load(id);
  }
}
