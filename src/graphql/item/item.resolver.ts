import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import { Item } from '../../db/entities';
import { PageArgs } from '../common/connection';
import { containsInsensitive, listRecords, listSpec, recordIdArg } from '../common/records';
import type { GraphQLContext } from '../context';
import { ItemConnection, ItemType, ProductGroupType } from './item.type';

@ArgsType()
class ItemsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Matches part of the name or SKU, any case.' })
  search?: string | null;

  @Field(() => String, { nullable: true })
  productType?: string | null;

  @Field(() => ID, { nullable: true })
  productGroupId?: string | null;

  @Field(() => Boolean, { nullable: true })
  recurring?: boolean | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Include items deleted in Halo.' })
  includeDeleted!: boolean;
}

export const itemsList = listSpec({
  entity: Item,
  sortField: 'name',
  where(args: ItemsArgs) {
    const where: FilterQuery<Item>[] = [];
    if (args.search) where.push({ $or: [{ name: containsInsensitive(args.search) }, { sku: containsInsensitive(args.search) }] });
    if (args.productType) where.push({ productType: args.productType });
    if (args.productGroupId) where.push({ productGroupId: recordIdArg(args.productGroupId, 'productGroupId') });
    if (args.recurring != null) where.push({ recurring: args.recurring });
    if (!args.includeDeleted) where.push({ deletedAt: null });
    return where;
  },
});

@Resolver(() => ItemType)
export class ItemResolver {
  @Query(() => ItemConnection)
  items(@Args(() => ItemsArgs) args: ItemsArgs, @Ctx() ctx: GraphQLContext) {
    return listRecords(ctx.em, itemsList, ctx.tenantId, args);
  }

  @Query(() => ItemType, { nullable: true })
  item(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.item.load(id);
  }

  @FieldResolver(() => ProductGroupType, { nullable: true })
  productGroup(@Root() item: Item, @Ctx() ctx: GraphQLContext) {
    return item.productGroupId ? ctx.loaders.productGroup.load(item.productGroupId) : null;
  }
}
