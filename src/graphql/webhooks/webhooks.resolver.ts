import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { WebhookSetupError } from '../../webhooks/install';
import { badInput } from '../common/errors';
import type { GraphQLContext } from '../context';
import { guard } from '../integration/errors';
import { HaloWebhookDeliveryType, HaloWebhooksType, WebhookDeliveryStatusEnum } from './webhooks.type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const setup = <T>(run: () => Promise<T>) =>
  guard('', async () => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WebhookSetupError) throw new GraphQLError(err.message, { extensions: { code: err.code } });
      throw err;
    }
  });

@Resolver()
export class WebhooksResolver {
  @Query(() => HaloWebhooksType, { description: 'Our webhook in Halo compared with what should be there (asks Halo now).' })
  haloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(() => ctx.services.webhooks.status(ctx.em, ctx.tenantId));
  }

  @Mutation(() => HaloWebhooksType, { description: 'Creates our webhook and its event subscriptions in Halo; running it again changes nothing.' })
  installHaloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(() => ctx.services.webhooks.install(ctx.em, ctx.tenantId));
  }

  @Mutation(() => HaloWebhooksType, { description: 'Fixes whatever haloWebhooks reports (re-creates, re-enables, re-points, re-subscribes, re-sends the secret).' })
  repairHaloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(() => ctx.services.webhooks.repair(ctx.em, ctx.tenantId));
  }

  @Query(() => [HaloWebhookDeliveryType], { description: 'Webhook deliveries received from Halo, newest first.' })
  haloWebhookDeliveries(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('status', () => WebhookDeliveryStatusEnum, { nullable: true }) status?: WebhookDeliveryStatusEnum | null,
    @Arg('receivedBefore', () => Date, { nullable: true, description: 'Older than this (page with the last receivedAt seen).' }) receivedBefore?: Date | null,
  ) {
    if (!Number.isInteger(first) || first < 1 || first > 200) throw badInput('`first` must be between 1 and 200', 'first');
    return ctx.services.webhooks.deliveries(ctx.em, ctx.tenantId, { first, status: status ?? null, before: receivedBefore ?? null });
  }

  @Mutation(() => Int, { description: 'Puts failed deliveries (all, or those given) back in line; returns how many.' })
  retryHaloWebhookDeliveries(@Ctx() ctx: GraphQLContext, @Arg('ids', () => [ID], { nullable: true }) ids?: string[] | null) {
    if (ids && (ids.length > 1000 || ids.some((id) => !UUID.test(id)))) throw badInput('`ids` must be at most 1000 delivery ids', 'ids');
    return ctx.services.webhooks.retry(ctx.em, ctx.tenantId, ids ?? null);
  }
}
