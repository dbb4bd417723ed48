import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Contact } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords, listSpec, recordIdArg } from '../common/records';
import type { GraphQLContext } from '../context';
import { CompanyType } from '../company/company.type';
import { ContactConnection, ContactType } from './contact.type';

@ArgsType()
class ContactsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name or email, any case.' })
  search?: string | null;

  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: active only; false: inactive only.' })
  active?: boolean | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Include contacts deleted in Halo.' })
  includeDeleted!: boolean;
}

export const contactsList = listSpec({
  entity: Contact,
  sortField: 'name',
  where(args: ContactsArgs) {
    const where: FilterQuery<Contact>[] = [];
    if (args.search) where.push({ $or: [{ name: containsInsensitive(args.search) }, { email: containsInsensitive(args.search) }] });
    if (args.companyId) where.push({ companyId: recordIdArg(args.companyId, 'companyId') });
    if (args.active != null) where.push({ inactive: !args.active });
    if (!args.includeDeleted) where.push({ deletedAt: null });
    return where;
  },
});

@Resolver(() => ContactType)
export class ContactResolver {
  @Query(() => ContactConnection, {
    description:
      "People at companies: Halo's active users minus each client's placeholder \"General User\" (the sync lists users with exclude_generaluser=true). A General User stored by an earlier version is not removed but hidden: the next sync marks it deleted, so it shows only with `includeDeleted`.",
  })
  contacts(@Args(() => ContactsArgs) args: ContactsArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, contactsList, ctx.tenantId, args);
  }

  @Query(() => ContactType, { nullable: true })
  contact(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.contact.load(id);
  }

  @FieldResolver(() => CompanyType, { nullable: true })
  company(@Root() contact: Contact, @Ctx() ctx: GraphQLContext) {
    return contact.companyId ? ctx.loaders.company.load(contact.companyId) : null;
  }
}
