import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { ProductService } from '../../products/product.service';
import type { GraphQLContext } from '../context';
import { guard } from '../integration/errors';
import { ItemType } from '../item/item.type';
import { retryFailed } from '../push-opportunity/opportunity.mutations';
import { CreateProductInput } from './product.input';

/** Products made here: a local item now, a Halo item through a push (see pushState / pushError). */
@Resolver()
export class ProductResolver {
  @Mutation(() => ItemType, { description: 'Creates a product here (origin LOCAL) and queues its creation in Halo.' })
  createProduct(@Arg('input', () => CreateProductInput) input: CreateProductInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', () => new ProductService({ outbox: ctx.services.outbox }).create(ctx.em, ctx.tenantId, { ...input }));
  }

  @Mutation(() => ItemType, { description: 'Queues a failed push of this product again (after fixing what its pushError says).' })
  retryProductPush(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return guard('', async () => {
      await retryFailed(ctx, id);
      return ctx.loaders.item.load(id);
    });
  }
}
