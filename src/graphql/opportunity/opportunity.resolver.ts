import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Opportunity } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords, listSpec, recordIdArg } from '../common/records';
import type { GraphQLContext } from '../context';
import { CompanyType } from '../company/company.type';
import { ContactType } from '../contact/contact.type';
import { QuoteType } from '../quote/quote.type';
import { OpportunityConnection, OpportunityType } from './opportunity.type';

@ArgsType()
class OpportunitiesArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => String, { nullable: true, description: 'OPEN, WON or LOST.' })
  status?: string | null;

  @Field(() => Int, { nullable: true, description: 'Halo opportunity type id.' })
  haloTypeId?: number | null;

  @Field(() => String, { nullable: true, description: 'Matches part of the title, any case.' })
  search?: string | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Include opportunities deleted in Halo.' })
  includeDeleted!: boolean;
}

export const opportunitiesList = listSpec({
  entity: Opportunity,
  sortField: 'title',
  where(args: OpportunitiesArgs) {
    const where: FilterQuery<Opportunity>[] = [];
    if (args.companyId) where.push({ companyId: recordIdArg(args.companyId, 'companyId') });
    if (args.status) where.push({ status: args.status });
    if (args.haloTypeId != null) where.push({ haloTypeId: args.haloTypeId });
    if (args.search) where.push({ title: containsInsensitive(args.search) });
    if (!args.includeDeleted) where.push({ deletedAt: null });
    return where;
  },
});

@Resolver(() => OpportunityType)
export class OpportunityResolver {
  @Query(() => OpportunityConnection)
  opportunities(@Args(() => OpportunitiesArgs) args: OpportunitiesArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, opportunitiesList, ctx.tenantId, args);
  }

  @Query(() => OpportunityType, { nullable: true })
  opportunity(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.opportunity.load(id);
  }

  @FieldResolver(() => CompanyType, { nullable: true })
  company(@Root() o: Opportunity, @Ctx() ctx: GraphQLContext) {
    return o.companyId ? ctx.loaders.company.load(o.companyId) : null;
  }

  @FieldResolver(() => ContactType, { nullable: true })
  contact(@Root() o: Opportunity, @Ctx() ctx: GraphQLContext) {
    return o.contactId ? ctx.loaders.contact.load(o.contactId) : null;
  }

  @FieldResolver(() => [QuoteType])
  quotes(@Root() o: Opportunity, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.quotesByOpportunity.load(o.id);
  }
}
