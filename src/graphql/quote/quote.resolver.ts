import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Quote, QuoteLine } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { listRecords, listSpec, recordIdArg } from '../common/records';
import type { GraphQLContext } from '../context';
import { CompanyType } from '../company/company.type';
import { ItemType } from '../item/item.type';
import { OpportunityType } from '../opportunity/opportunity.type';
import { QuoteBundleType, QuoteConnection, QuoteLineType, QuoteTotalsType, QuoteType } from './quote.type';
import { QuoteBundle } from '../../db/entities';
import { quoteTotals } from '../../quotes/quote.service';

@ArgsType()
class QuotesArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  opportunityId?: string | null;

  @Field(() => String, { nullable: true, description: 'DRAFT, SENT, APPROVED or DECLINED.' })
  status?: string | null;

  @Field(() => Boolean, { defaultValue: false })
  includeDeleted!: boolean;
}

export const quotesList = listSpec({
  entity: Quote,
  sortField: 'title',
  where(args: QuotesArgs) {
    const where: FilterQuery<Quote>[] = [];
    if (args.companyId) where.push({ companyId: recordIdArg(args.companyId, 'companyId') });
    if (args.opportunityId) where.push({ opportunityId: recordIdArg(args.opportunityId, 'opportunityId') });
    if (args.status) where.push({ status: args.status });
    if (!args.includeDeleted) where.push({ deletedAt: null });
    return where;
  },
});

@Resolver(() => QuoteType)
export class QuoteResolver {
  @Query(() => QuoteConnection)
  quotes(@Args(() => QuotesArgs) args: QuotesArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, quotesList, ctx.tenantId, args);
  }

  @Query(() => QuoteType, { nullable: true })
  quote(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.quote.load(id);
  }

  @FieldResolver(() => CompanyType, { nullable: true })
  company(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return q.companyId ? ctx.loaders.company.load(q.companyId) : null;
  }

  @FieldResolver(() => OpportunityType, { nullable: true })
  opportunity(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return q.opportunityId ? ctx.loaders.opportunity.load(q.opportunityId) : null;
  }

  @FieldResolver(() => [QuoteLineType])
  lines(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.linesByQuote.load(q.id);
  }

  @FieldResolver(() => [QuoteBundleType])
  bundles(@Root() q: Quote, @Ctx() ctx: GraphQLContext): Promise<QuoteBundle[]> {
    return ctx.loaders.bundlesByQuote.load(q.id);
  }

  @FieldResolver(() => QuoteTotalsType)
  async totals(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return quoteTotals(await ctx.loaders.linesByQuote.load(q.id), q.shippingCharge);
  }
}

@Resolver(() => QuoteLineType)
export class QuoteLineResolver {
  @FieldResolver(() => ItemType, { nullable: true })
  item(@Root() line: QuoteLine, @Ctx() ctx: GraphQLContext) {
    return line.itemId ? ctx.loaders.item.load(line.itemId) : null;
  }
}
