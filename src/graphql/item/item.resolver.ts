import { Arg, Args, ArgsType, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { Item } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords } from '../common/records';
import type { GraphQLContext } from '../context';
import { ItemConnection, ItemType } from './item.type';

@ArgsType()
class ItemsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name, any case.' })
  search?: string | null;
}

@Resolver(() => ItemType)
export class ItemResolver {
  @Query(() => ItemConnection)
  items(@Args(() => ItemsArgs) args: ItemsArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, Item, {
      tenantId: ctx.tenantId,
      sortField: 'name',
      page: args,
      where: args.search ? { name: containsInsensitive(args.search) } : undefined,
    });
  }

  @Query(() => ItemType, { nullable: true })
  item(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.item.load(id);
  }
}
