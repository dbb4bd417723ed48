import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import {
  companiesFromInput,
  mergeProductDefaults,
  productDefaultsToCheck,
  quoteStatusesFromInput,
  resolveAccountCode,
  type IntegrationSettingsDoc,
  type SettingsSection,
} from '../../integration/settings';
import { SettingsValidationError } from '../../integration/settings.service';
import * as v from '../../integration/validate';
import { Tenant } from '../../db/entities';
import {
  AccountCodesType,
  CompanyImportType,
  ConfigChangeType,
  IntegrationSettingsType,
  OpportunityMappingType,
  ProductDefaultsInputType,
  ProductGroupMappingType,
  QuoteStatusMappingType,
  ResolvedAccountCodeType,
} from './settings.type';
import { guard } from './errors';

/** type-graphql hands over class instances; the stored document holds plain JSON. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** How a mutation's description says what happens to the records already stored. */
const REAPPLIED = (what: string, from: string) =>
  `Applied to stored records at once, in the same transaction: stored ${what} from ${from} (no Halo call). Records synced before they kept those Halo values are fetched again by a full sync of their kind, started automatically (trigger "mapping", see syncRuns).`;

/** Oversized lists are refused before any database or Halo work (limits in SETTINGS_LIST_LIMITS, stated in the schema). */
function capLists(lists: Parameters<typeof v.checkListSizes>[0]): void {
  const errors = v.checkListSizes(lists);
  if (errors.length) throw new SettingsValidationError(errors);
}

/**
 * Mappings and defaults (setup guide steps 5–6). Each mutation validates its whole section against Halo first and
 * saves all of it or nothing.
 */
@Resolver()
export class SettingsResolver {
  private async save<S extends SettingsSection>(
    ctx: GraphQLContext,
    argument: string,
    section: S,
    value: IntegrationSettingsDoc[S] | ((current: IntegrationSettingsDoc[S]) => IntegrationSettingsDoc[S]),
    validate: (catalog: v.HaloCatalog) => Promise<v.FieldError[]>,
  ) {
    return guard(argument, async () => {
      const catalog = await ctx.services.access.requestCatalog(ctx.em, ctx.tenantId, ctx.signal);
      const errors = await validate(catalog);
      const stored = typeof value === 'function' ? (current: IntegrationSettingsDoc[S]) => plain(value(current)) : plain(value);
      const { doc, reapplied } = await ctx.services.settings.saveSection(ctx.em, ctx.tenantId, ctx.apiKeyId, section, stored, errors);
      // What the stored rows could not answer is fetched: a full sync of those entities (or the tenant's run in progress).
      if (reapplied.resync.length) await ctx.services.sync.start(ctx.em, ctx.tenantId, { kind: 'FULL', entities: reapplied.resync, trigger: 'mapping' });
      return doc;
    });
  }

  @Query(() => IntegrationSettingsType)
  integrationSettings(@Ctx() ctx: GraphQLContext) {
    return ctx.services.settings.get(ctx.em, ctx.tenantId);
  }

  @Mutation(() => IntegrationSettingsType, { description: 'Your own company (the MSP) in Halo; its website must match yours.' })
  async setPrimaryClient(@Arg('haloClientId', () => Int) haloClientId: number, @Ctx() ctx: GraphQLContext) {
    return guard('', async () => {
      const tenant = await ctx.em.findOneOrFail(Tenant, { id: ctx.tenantId });
      const catalog = await ctx.services.access.requestCatalog(ctx.em, ctx.tenantId, ctx.signal);
      const { errors, client } = await v.validatePrimaryClient(catalog, haloClientId, tenant.website);
      const value = client ? { haloClientId: client.id, name: client.name, website: client.website } : null;
      return ctx.services.settings.save(ctx.em, ctx.tenantId, ctx.apiKeyId, 'primaryClient', value, errors);
    });
  }

  @Mutation(() => IntegrationSettingsType, {
    description: `Halo product groups (asset groups marked as items) → product types. Replaces the whole mapping. ${REAPPLIED('items and product groups take their product type', 'the Halo group each keeps')}`,
  })
  setProductGroupMappings(
    @Arg('mappings', () => [ProductGroupMappingType], { description: `Each product group at most once ${v.listLimitNote('productGroupMappings')}.` }) mappings: ProductGroupMappingType[],
    @Ctx() ctx: GraphQLContext,
  ) {
    return guard('', async () => {
      capLists([{ path: 'mappings', limit: 'productGroupMappings', size: mappings.length }]);
      return this.save(ctx, '', 'productGroups', mappings, (c) => v.validateProductGroups(c, mappings));
    });
  }

  @Mutation(() => IntegrationSettingsType, {
    description: `Opportunity types to import and statuses in both directions. ${REAPPLIED('opportunities take their status', 'the Halo status each keeps; a status edited here and not yet in Halo stands')} A change to the imported types starts a full sync of opportunities and quotes (trigger "mapping"): records of a newly imported type were never fetched.`,
  })
  setOpportunityMapping(@Arg('input', () => OpportunityMappingType) input: OpportunityMappingType, @Ctx() ctx: GraphQLContext) {
    return guard('input', async () => {
      capLists([
        { path: 'importTypeIds', limit: 'importTypeIds', size: input.importTypeIds.length },
        { path: 'toHalo', limit: 'toHalo', size: input.toHalo.length },
        { path: 'fromHalo', limit: 'fromHalo', size: input.fromHalo.length },
      ]);
      return this.save(ctx, 'input', 'opportunities', input, (c) => v.validateOpportunities(c, input));
    });
  }

  @Mutation(() => IntegrationSettingsType, {
    description: `The customer type that marks accounts/prospects and the address lines. ${REAPPLIED('companies take their prospect flag and sites their address', 'the customer type, account flag and address lines each keeps')}`,
  })
  setCompanyImport(@Arg('input', () => CompanyImportType) input: CompanyImportType, @Ctx() ctx: GraphQLContext) {
    const companies = companiesFromInput(input);
    return this.save(ctx, 'input', 'companies', companies, (c) => v.validateCompanies(c, companies));
  }

  @Mutation(() => IntegrationSettingsType, {
    description: `Draft, Sent, Approved and Declined → Halo quote status and opportunity status or pipeline stage. ${REAPPLIED('quotes take their status', 'the Halo quote status and its name each keeps')}`,
  })
  setQuoteStatusMapping(
    @Arg('mappings', () => [QuoteStatusMappingType], { description: `Each of DRAFT, SENT, APPROVED and DECLINED once ${v.listLimitNote('quoteStatusMappings')}.` }) mappings: QuoteStatusMappingType[],
    @Ctx() ctx: GraphQLContext,
  ) {
    return guard('', async () => {
      capLists([{ path: 'mappings', limit: 'quoteStatusMappings', size: mappings.length }]);
      const value = quoteStatusesFromInput(mappings);
      // Pipeline stage ids are checked against the tenant's Pipeline Stage lookup, and only once that table passed its check.
      return this.save(ctx, '', 'quoteStatuses', value, async (c) => v.validateQuoteStatuses(c, value, await ctx.services.lookupTables.stagesForValidation(ctx.em, ctx.tenantId)));
    });
  }

  @Mutation(() => IntegrationSettingsType, { description: 'The shipping product and the default product group, field by field: an omitted field keeps its value, null clears it.' })
  setProductDefaults(@Arg('input', () => ProductDefaultsInputType) input: ProductDefaultsInputType, @Ctx() ctx: GraphQLContext) {
    // Merged with the stored defaults under the save's row lock; only what the input sets is checked against Halo.
    return this.save(ctx, 'input', 'productDefaults', (current) => mergeProductDefaults(current, input), (c) => v.validateProductDefaults(c, productDefaultsToCheck(input)));
  }

  @Mutation(() => IntegrationSettingsType, {
    description: `Account codes per product group and per item. Items are checked against the items we hold first, and Halo only for the others. ${REAPPLIED('product groups take their account code', 'the Halo code each keeps')}`,
  })
  setAccountCodes(@Arg('input', () => AccountCodesType) input: AccountCodesType, @Ctx() ctx: GraphQLContext) {
    return guard('input', async () => {
      capLists([
        { path: 'groups', limit: 'accountCodeGroups', size: input.groups.length },
        { path: 'items', limit: 'accountCodeItems', size: input.items.length },
      ]);
      return this.save(ctx, 'input', 'accountCodes', input, (c) => v.validateAccountCodes(c, input));
    });
  }

  @Query(() => ResolvedAccountCodeType, { nullable: true, description: 'The account code a Halo item is sold under: its own, else its group’s.' })
  async accountCodeFor(@Arg('haloItemId', () => Int) haloItemId: number, @Ctx() ctx: GraphQLContext) {
    return guard('haloItemId', async () => {
      const [settings, catalog] = await Promise.all([ctx.services.settings.get(ctx.em, ctx.tenantId), ctx.services.access.requestCatalog(ctx.em, ctx.tenantId, ctx.signal)]);
      const item = (await catalog.itemsById([haloItemId])).get(haloItemId);
      return resolveAccountCode(settings.accountCodes, { haloItemId, haloGroupId: item?.groupId ?? null });
    });
  }

  @Query(() => [ConfigChangeType], { description: 'Configuration changes, newest first.' })
  async configHistory(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('section', () => String, { nullable: true }) section: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const rows = await ctx.services.settings.history(ctx.em, ctx.tenantId, { first: Math.min(Math.max(first, 1), 200), section });
    return rows.map((r) => ({
      id: r.id,
      section: r.section,
      at: r.at,
      apiKeyId: r.apiKeyId ?? null,
      before: r.before === undefined || r.before === null ? null : JSON.stringify(r.before),
      after: r.after === undefined || r.after === null ? null : JSON.stringify(r.after),
    }));
  }
}
