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

@ObjectType('HaloQuoteStatusOption', { simpleResolvers: true, description: 'A Halo quote status (lookup 39).' })
class HaloQuoteStatusOption extends HaloOption {
  @Field(() => Boolean, { description: 'Whether the status closes the quote (System use = Closed; value3 = "1").' }) closed!: boolean;
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

const named = (r: { id: number; name: string }) => r.name || `#${r.id}`;
const byName = <T extends { name: string }>(rows: T[]) => rows.sort((a, b) => a.name.localeCompare(b.name));
const options = (rows: { id: number; name: string }[]) => byName(rows.map((r) => ({ id: r.id, name: named(r) })));
const coded = (rows: { id: number; name: string; code?: string | null }[]) => byName(rows.map((r) => ({ id: r.id, name: named(r), code: r.code ?? null })));

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

  @FieldResolver(() => [HaloQuoteStatusOption], { description: 'Quote statuses (lookup 39, confirmed).' })
  quoteStatuses(@Ctx() ctx: GraphQLContext) {
    return guard('quoteStatuses', async () => (await this.catalog(ctx)).quoteStatuses());
  }

  @FieldResolver(() => [HaloOption], {
    nullable: true,
    description: 'Pipeline stages, from the tenant’s Pipeline Stage lookup once its rows pass their check; otherwise null with a HALO_LOOKUP_UNVERIFIED error naming the fix.',
  })
  pipelineStages(@Ctx() ctx: GraphQLContext) {
    return guard('pipelineStages', async () => options((await ctx.services.lookupTables.servable(ctx.em, ctx.tenantId, 'pipelineStage')).rows));
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

  @FieldResolver(() => [HaloCodeOption], {
    nullable: true,
    description: 'Countries with their 2-letter code, once the tenant’s Country Codes lookup passes its check; otherwise null with a HALO_LOOKUP_UNVERIFIED error naming the fix.',
  })
  countries(@Ctx() ctx: GraphQLContext) {
    return guard('countries', async () => coded((await ctx.services.lookupTables.servable(ctx.em, ctx.tenantId, 'countryCode')).rows));
  }

  @FieldResolver(() => [HaloCodeOption], {
    nullable: true,
    description: 'Regions with their country’s 2-letter code, once the tenant’s Region Codes lookup passes its check; otherwise null with a HALO_LOOKUP_UNVERIFIED error naming the fix.',
  })
  regions(@Ctx() ctx: GraphQLContext) {
    return guard('regions', async () => coded((await ctx.services.lookupTables.servable(ctx.em, ctx.tenantId, 'regionCode')).rows));
  }
}

@Resolver()
export class ChecklistResolver {
  @Query(() => [SetupCheck], { description: 'Is the integration ready? Each check with its status and how to fix it.' })
  setupChecklist(@Ctx() ctx: GraphQLContext) {
    return ctx.services.checklist.checklist(ctx.em, ctx.tenantId);
  }
}
