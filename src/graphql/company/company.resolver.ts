import { Arg, Args, ArgsType, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { Company } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords } from '../common/records';
import type { GraphQLContext } from '../context';
import { CompanyConnection, CompanyType } from './company.type';

@ArgsType()
class CompaniesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name, any case.' })
  search?: string | null;
}

@Resolver(() => CompanyType)
export class CompanyResolver {
  @Query(() => CompanyConnection)
  companies(@Args(() => CompaniesArgs) args: CompaniesArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, Company, {
      tenantId: ctx.tenantId,
      sortField: 'name',
      page: args,
      where: args.search ? { name: containsInsensitive(args.search) } : undefined,
    });
  }

  @Query(() => CompanyType, { nullable: true })
  company(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.company.load(id);
  }
}
