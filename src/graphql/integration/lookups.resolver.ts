import { Arg, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { guard } from './errors';

@ObjectType('HaloOption', { simpleResolvers: true, description: 'A Halo record to choose in an admin screen.' })
class HaloOption {
  @Field(() => Int) id!: number;
  @Field(() => String) name!: string;
}

@ObjectType('HaloClientOption', { simpleResolvers: true })
class HaloClientOption extends HaloOption {
  @Field(() => String, { nullable: true }) website!: string | null;
  @Field(() => Boolean) inactive!: boolean;
}

@ObjectType('HaloItemOption', { simpleResolvers: true })
class HaloItemOption extends HaloOption {
  @Field(() => Int, { nullable: true, description: 'Its product group; null when it has none (it then cannot sync).' }) groupId!: number | null;
}

@ObjectType('HaloCodeOption', { simpleResolvers: true })
class HaloCodeOption extends HaloOption {
  @Field(() => String, { nullable: true }) code!: string | null;
}

@ObjectType('HaloLookups', { simpleResolvers: true, description: 'Live lists from Halo for the integration screens (cached for a minute).' })
class HaloLookups {}

enum CheckStatusEnum {
  OK = 'OK',
  ACTION_NEEDED = 'ACTION_NEEDED',
  WARNING = 'WARNING',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(CheckStatusEnum, { name: 'SetupCheckStatus' });

@ObjectType('SetupCheck', { simpleResolvers: true })
class SetupCheck {
  @Field(() => String) id!: string;
  @Field(() => String) title!: string;
  @Field(() => CheckStatusEnum) status!: CheckStatusEnum;
  @Field(() => String) detail!: string;
  @Field(() => String, { nullable: true }) fix!: string | null;
}

const clampLimit = (n: number) => Math.min(Math.max(n, 1), 100);

@Resolver(() => HaloLookups)
export class LookupsResolver {
  @Query(() => HaloLookups)
  haloLookups() {
    return {};
  }

  private catalog(ctx: GraphQLContext) {
    return ctx.services.access.catalogFor(ctx.em, ctx.tenantId);
  }

  @FieldResolver(() => [HaloClientOption], { description: 'Halo clients, e.g. to choose the primary client.' })
  clients(
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: GraphQLContext,
  ) {
    return guard('search', async () => (await this.catalog(ctx)).clients(search?.trim() || null, clampLimit(first)));
  }

  @FieldResolver(() => [HaloOption], { description: 'Asset groups marked "Use for Items" only.' })
  productGroups(@Ctx() ctx: GraphQLContext) {
    return guard('productGroups', async () => (await this.catalog(ctx)).productGroups());
  }

  @FieldResolver(() => [HaloOption])
  opportunityTypes(@Ctx() ctx: GraphQLContext) {
    return guard('opportunityTypes', async () => (await this.catalog(ctx)).opportunityTypes());
  }

  @FieldResolver(() => [HaloOption])
  statuses(@Ctx() ctx: GraphQLContext) {
    return guard('statuses', async () => (await this.catalog(ctx)).statuses());
  }

  @FieldResolver(() => [HaloOption])
  quoteStatuses(@Ctx() ctx: GraphQLContext) {
    return guard('quoteStatuses', async () => (await this.catalog(ctx)).quoteStatuses());
  }

  @FieldResolver(() => [HaloOption])
  pipelineStages(@Ctx() ctx: GraphQLContext) {
    return guard('pipelineStages', async () => (await this.catalog(ctx)).pipelineStages());
  }

  @FieldResolver(() => [HaloOption], { description: 'Customer types, e.g. the prospect type for imported accounts.' })
  customerTypes(@Ctx() ctx: GraphQLContext) {
    return guard('customerTypes', async () => (await this.catalog(ctx)).customerTypes());
  }

  @FieldResolver(() => [HaloItemOption], { description: 'Halo items, e.g. to choose the shipping product.' })
  items(
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: GraphQLContext,
  ) {
    return guard('search', async () => (await this.catalog(ctx)).items(search?.trim() || null, clampLimit(first)));
  }

  @FieldResolver(() => [HaloOption])
  categories(@Ctx() ctx: GraphQLContext) {
    return guard('categories', async () => (await this.catalog(ctx)).categories());
  }

  @FieldResolver(() => [HaloOption])
  taxCodes(@Ctx() ctx: GraphQLContext) {
    return guard('taxCodes', async () => (await this.catalog(ctx)).taxCodes());
  }

  @FieldResolver(() => [HaloCodeOption])
  countries(@Ctx() ctx: GraphQLContext) {
    return guard('countries', async () => (await this.catalog(ctx)).countries());
  }

  @FieldResolver(() => [HaloCodeOption])
  regions(@Ctx() ctx: GraphQLContext) {
    return guard('regions', async () => (await this.catalog(ctx)).regions());
  }
}

@Resolver()
export class ChecklistResolver {
  @Query(() => [SetupCheck], { description: 'Is the integration ready? Each check with its status and how to fix it.' })
  setupChecklist(@Ctx() ctx: GraphQLContext) {
    return ctx.services.checklist.checklist(ctx.em, ctx.tenantId);
  }
}
