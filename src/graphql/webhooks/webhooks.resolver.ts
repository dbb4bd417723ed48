import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { WebhookSetupError, type WebhookStatusReport } from '../../webhooks/install';
import { ENTITY_OF_RESOURCE } from '../../webhooks/spec';
import { badInput } from '../common/errors';
import type { GraphQLContext } from '../context';
import { guard } from '../integration/errors';
import {
  HaloWebhookDeliveryType,
  HaloWebhookEventNumberInput,
  HaloWebhooksType,
  HaloWebhookToldEventType,
  WebhookDeliveryStatusEnum,
  type HaloWebhookEntityEnum,
  type HaloWebhookEventActionEnum,
} from './webhooks.type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const setup = (ctx: GraphQLContext, run: () => Promise<WebhookStatusReport>) =>
  guard('', async () => {
    try {
      return { ...view(await run()), receipt: await ctx.services.webhooks.receipt(ctx.em, ctx.tenantId) };
    } catch (err) {
      if (err instanceof WebhookSetupError) throw new GraphQLError(err.message, { extensions: { code: err.code } });
      throw err;
    }
  });

/** The report as GraphQL shows it: a subscription's Halo resource becomes our entity. */
const view = (r: WebhookStatusReport) => ({
  ...r,
  subscriptions: r.subscriptions.map((s) => ({
    notificationId: s.notificationId,
    eventno: s.eventno,
    event: s.name,
    entity: (s.class ? ENTITY_OF_RESOURCE[s.class.resource] : null) as HaloWebhookEntityEnum | null,
    action: (s.class?.action ?? null) as HaloWebhookEventActionEnum | null,
    origin: s.origin,
    learnedFrom: s.classifiedBy,
    installed: s.installed,
  })),
});

@Resolver()
export class WebhooksResolver {
  @Query(() => HaloWebhooksType, {
    description: 'Our webhook in Halo compared with what should be there, and per entity and action whether changes arrive in real time, judged by what Halo holds and what arrived (asks Halo now).',
  })
  haloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(ctx, () => ctx.services.webhooks.status(ctx.em, ctx.tenantId));
  }

  @Mutation(() => HaloWebhooksType, {
    description: 'Creates our webhook in Halo, subscribed to the ticket events with public evidence and to the event numbers you told us; running it again changes nothing.',
  })
  installHaloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(ctx, () => ctx.services.webhooks.install(ctx.em, ctx.tenantId));
  }

  @Mutation(() => HaloWebhooksType, { description: 'Fixes whatever haloWebhooks reports (re-creates, re-enables, re-points, re-subscribes, re-sends the secret).' })
  repairHaloWebhooks(@Ctx() ctx: GraphQLContext) {
    return setup(ctx, () => ctx.services.webhooks.repair(ctx.em, ctx.tenantId));
  }

  @Mutation(() => [HaloWebhookToldEventType], {
    description:
      'Tells us Halo’s event numbers for kinds of change (your Halo administrator can see them), replacing what you told us before (an empty list forgets them). Validated and stored; the next installHaloWebhooks/repairHaloWebhooks subscribes our webhook to them. Ticking the events for our webhook in Halo (Configuration > Integrations > Webhooks) works without this.',
  })
  setHaloWebhookEvents(@Ctx() ctx: GraphQLContext, @Arg('events', () => [HaloWebhookEventNumberInput], { description: 'One event number per entity and action.' }) events: HaloWebhookEventNumberInput[]) {
    return guard('', () => ctx.services.webhooks.setToldEvents(ctx.em, ctx.tenantId, events.map((e) => ({ entity: e.entity, action: e.action, eventNumber: e.eventNumber }))));
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
