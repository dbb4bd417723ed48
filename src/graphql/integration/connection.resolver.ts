import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { connectionView, type ConnectResult } from '../../integration/connection.service';
import type { GraphQLContext } from '../context';
import { badInput } from '../common/errors';
import { ConnectHaloInput, ConnectHaloResultType, HaloConnectionType } from './connection.type';
import { guard } from './errors';

const result = (r: ConnectResult) => ({ ...r, connection: r.connection ? connectionView(r.connection) : null });

@Resolver()
export class ConnectionResolver {
  @Query(() => HaloConnectionType, { nullable: true })
  async haloConnection(@Ctx() ctx: GraphQLContext) {
    const row = await ctx.services.connections.get(ctx.em, ctx.tenantId);
    return row ? connectionView(row) : null;
  }

  @Mutation(() => ConnectHaloResultType, { description: 'Checks the credentials step by step and stores them only when every step passes.' })
  async connectHalo(@Arg('input', () => ConnectHaloInput) input: ConnectHaloInput, @Ctx() ctx: GraphQLContext) {
    for (const field of ['baseUrl', 'clientId', 'clientSecret'] as const) {
      if (!input[field].trim()) throw badInput(`${field} must not be empty`, `input.${field}`);
      if (input[field].length > 500) throw badInput(`${field} is too long`, `input.${field}`);
    }
    return guard('input', async () => result(await ctx.services.connections.connect(ctx.em, ctx.tenantId, ctx.apiKeyId, input)));
  }

  @Mutation(() => ConnectHaloResultType, { description: 'Re-runs the connection check with the stored credentials.' })
  async testHaloConnection(@Ctx() ctx: GraphQLContext) {
    return guard('connection', async () => result(await ctx.services.connections.test(ctx.em, ctx.tenantId)));
  }

  @Mutation(() => Boolean, {
    description: 'Removes our webhooks from Halo (when Halo can be reached) and forgets the credentials. Synced data is kept unless deleteSyncedData is true.',
  })
  async disconnectHalo(
    @Arg('deleteSyncedData', () => Boolean, { defaultValue: false }) deleteSyncedData: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    try {
      await ctx.services.webhooks.uninstall(ctx.em, ctx.tenantId);
    } catch {
      // Halo unreachable or the credentials already revoked: disconnect anyway. Without our stored secret, whatever
      // Halo still sends is refused, and the webhook shows as failing in Halo for its admin to delete.
    }
    return ctx.services.connections.disconnect(ctx.em, ctx.tenantId, ctx.apiKeyId, deleteSyncedData);
  }
}
