import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Company } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords, listSpec } from '../common/records';
import type { GraphQLContext } from '../context';
import { ContactType } from '../contact/contact.type';
import { OpportunityType } from '../opportunity/opportunity.type';
import { QuoteType } from '../quote/quote.type';
import { CompanyConnection, CompanyType, SiteType } from './company.type';

@ArgsType()
class CompaniesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name, any case.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: active only; false: inactive only.' })
  active?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Only prospects (true) or only customers (false).' })
  prospect?: boolean | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Include companies deleted or inactivated in Halo.' })
  includeDeleted!: boolean;
}

export const companiesList = listSpec({
  entity: Company,
  sortField: 'name',
  where(args: CompaniesArgs) {
    const where: FilterQuery<Company>[] = [];
    if (args.search) where.push({ name: containsInsensitive(args.search) });
    if (args.active != null) where.push({ inactive: !args.active });
    if (args.prospect != null) where.push({ isProspect: args.prospect });
    if (!args.includeDeleted) where.push({ deletedAt: null });
    return where;
  },
});

@Resolver(() => CompanyType)
export class CompanyResolver {
  @Query(() => CompanyConnection)
  companies(@Args(() => CompaniesArgs) args: CompaniesArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, companiesList, ctx.tenantId, args);
  }

  @Query(() => CompanyType, { nullable: true })
  company(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.company.load(id);
  }

  @FieldResolver(() => [SiteType])
  sites(@Root() company: Company, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.sitesByCompany.load(company.id);
  }

  @FieldResolver(() => [ContactType])
  contacts(@Root() company: Company, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.contactsByCompany.load(company.id);
  }

  @FieldResolver(() => [OpportunityType])
  opportunities(@Root() company: Company, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.opportunitiesByCompany.load(company.id);
  }

  @FieldResolver(() => [QuoteType])
  quotes(@Root() company: Company, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.quotesByCompany.load(company.id);
  }
}
