import { Arg, Args, ArgsType, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Contact } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords } from '../common/records';
import type { GraphQLContext } from '../context';
import { ContactConnection, ContactType } from './contact.type';

@ArgsType()
class ContactsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name or email, any case.' })
  search?: string | null;

  @Field(() => ID, { nullable: true })
  companyId?: string | null;
}

@Resolver(() => ContactType)
export class ContactResolver {
  @Query(() => ContactConnection)
  contacts(@Args(() => ContactsArgs) args: ContactsArgs, @Ctx() ctx: GraphQLContext) {
    const where: FilterQuery<Contact>[] = [];
    if (args.search) {
      where.push({ $or: [{ name: containsInsensitive(args.search) }, { email: containsInsensitive(args.search) }] });
    }
    if (args.companyId) where.push({ companyId: args.companyId });
    return listRecords(ctx.em, Contact, {
      tenantId: ctx.tenantId,
      sortField: 'name',
      page: args,
      where: where.length ? { $and: where } : undefined,
    });
  }

  @Query(() => ContactType, { nullable: true })
  contact(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.contact.load(id);
  }
}
