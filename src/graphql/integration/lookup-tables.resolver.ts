import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import type { LookupTableReport } from '../../integration/lookup-tables';
import { HaloLookupIdsInput, HaloLookupRowType, HaloLookupTableType, type HaloFactGradeEnum, type HaloLookupIdSourceEnum, type HaloLookupVerdictEnum } from './lookup-tables.type';
import { IntegrationSettingsType } from './settings.type';
import { guard } from './errors';

const view = (r: LookupTableReport): HaloLookupTableType => ({
  key: r.key,
  title: r.title,
  lookupId: r.lookupId,
  source: r.source as HaloLookupIdSourceEnum,
  grade: r.grade as HaloFactGradeEnum,
  evidence: r.evidence,
  verification: { status: r.verdict as HaloLookupVerdictEnum, detail: r.detail },
  fix: r.fix,
  rowCount: r.rows.length,
  allRows: r.rows.map((x) => ({ id: x.id, name: x.name, codes: x.codes, closed: x.closed ?? null })),
});

/** The lookup tables we read from Halo, their checks, and the admin's setting of the ids no source gives. */
@Resolver(() => HaloLookupTableType)
export class LookupTablesResolver {
  @Query(() => [HaloLookupTableType], {
    description: 'Every Halo lookup table the integration reads: the id in use, whether it is confirmed, our default or set by an admin, its evidence grade, the check of its rows and the first rows, so an admin can confirm it.',
  })
  haloLookupTables(@Ctx() ctx: GraphQLContext) {
    return guard('', async () => (await ctx.services.lookupTables.reports(ctx.em, ctx.tenantId)).map(view));
  }

  @FieldResolver(() => [HaloLookupRowType], { description: 'The first rows of the table, in Halo’s order.' })
  rows(@Root() table: HaloLookupTableType, @Arg('first', () => Int, { defaultValue: 10, description: '1–50.' }) first: number) {
    return table.allRows.slice(0, Math.min(Math.max(first, 1), 50));
  }

  @Mutation(() => IntegrationSettingsType, {
    description:
      'Sets the Halo lookup ids no public source gives (country, region, pipeline stage). Each must be a positive id, distinct from the others and from the confirmed tables, and its rows must look like that table’s.',
  })
  setHaloLookupIds(@Arg('input', () => HaloLookupIdsInput) input: HaloLookupIdsInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', async () => {
      const { errors, next } = await ctx.services.lookupTables.validate(ctx.em, ctx.tenantId, { ...input });
      return ctx.services.settings.save(ctx.em, ctx.tenantId, ctx.apiKeyId, 'lookupIds', next, errors);
    });
  }
}
