import type { graphqlClient } from './gql';
import {
  SetCompanyImportDocument,
  SetOpportunityMappingDocument,
  SetPrimaryClientDocument,
  SetProductDefaultsDocument,
  SetProductGroupMappingsDocument,
  SetQuoteStatusMappingDocument,
  SetHaloLookupIdsDocument,
  SetHaloQuoteLineFieldsDocument,
} from '../generated/graphql';
import type { SimTruth } from '../../src/halo-sim';

/** Ids in the simulator's demo data (src/halo-sim/seed.ts). */
export const PRIMARY = 12;
export const GROUPS = { hardware: 1, software: 2, managed: 3, services: 4, workstationsNotItems: 5, cloud: 7, accessories: 8 };
export const ALL_PRODUCT_GROUPS = [GROUPS.hardware, GROUPS.software, GROUPS.managed, GROUPS.services, GROUPS.cloud, GROUPS.accessories];
export const PRODUCT_TYPES = ['HARDWARE', 'LICENSE', 'SERVICE', 'LABOR', 'SOFTWARE', 'HARDWARE'] as const;

export const opportunityMapping = {
  defaultTypeId: 32,
  importTypeIds: [32, 33],
  toHalo: [
    { status: 'OPEN' as const, haloStatusId: 20 },
    { status: 'WON' as const, haloStatusId: 24 },
    { status: 'LOST' as const, haloStatusId: 25 },
  ],
  fromHalo: [
    { haloStatusId: 20, status: 'OPEN' as const },
    { haloStatusId: 21, status: 'OPEN' as const },
    { haloStatusId: 22, status: 'OPEN' as const },
    { haloStatusId: 23, status: 'OPEN' as const },
    { haloStatusId: 24, status: 'WON' as const },
    { haloStatusId: 25, status: 'LOST' as const },
  ],
};

export const quoteStatusMapping = [
  { status: 'DRAFT' as const, haloQuoteStatusId: 1, haloOpportunityStatusId: 20, haloPipelineStageId: 2 },
  { status: 'SENT' as const, haloQuoteStatusId: 2, haloOpportunityStatusId: 22, haloPipelineStageId: 3 },
  { status: 'APPROVED' as const, haloQuoteStatusId: 3, haloOpportunityStatusId: 24, haloPipelineStageId: 5 },
  { status: 'DECLINED' as const, haloQuoteStatusId: 4, haloOpportunityStatusId: 25, haloPipelineStageId: null },
];

export const addressMapping = { street: 'line1' as const, street2: 'line2' as const, city: 'line3' as const, state: 'line4' as const, postalCode: 'postcode' as const };

/**
 * Confirms the lookup ids no public source gives (country, region, pipeline stage) as an admin would after finding
 * them in Halo. The test's oracle is the simulator's truth (`sim.truth.lookupIds`), never the product's defaults.
 */
export async function confirmLookupIds(gql: ReturnType<typeof graphqlClient>, ids: SimTruth['lookupIds']): Promise<void> {
  await gql.expectData(SetHaloLookupIdsDocument, { input: { countryCode: ids.countryCode, regionCode: ids.regionCode, pipelineStage: ids.pipelineStage } });
}

/**
 * Configures a connected tenant the way an admin would after step 4 of the setup guide. `lookupIds`: the
 * simulator's (`sim.truth.lookupIds`), confirmed first since the quote-status mapping names pipeline stages.
 */
export async function configureDefaults(gql: ReturnType<typeof graphqlClient>, shippingItemId: number, lookupIds: SimTruth['lookupIds']): Promise<void> {
  await confirmLookupIds(gql, lookupIds);
  await gql.expectData(SetPrimaryClientDocument, { haloClientId: PRIMARY });
  await gql.expectData(SetProductGroupMappingsDocument, {
    mappings: ALL_PRODUCT_GROUPS.map((haloGroupId, i) => ({ haloGroupId, productType: PRODUCT_TYPES[i] })),
  });
  await gql.expectData(SetOpportunityMappingDocument, { input: opportunityMapping });
  await gql.expectData(SetCompanyImportDocument, { input: { prospectTypeId: 2, address: addressMapping } });
  await gql.expectData(SetQuoteStatusMappingDocument, { mappings: quoteStatusMapping });
  await gql.expectData(SetProductDefaultsDocument, { input: { shippingItemId, defaultGroupId: GROUPS.services } });
}

/**
 * Tells the tenant the quote-line quantity and unit-price names the simulator's Halo reads (its seed's answer to an
 * unknown, `sim.truth`), as an admin who looked them up in their Halo would (setHaloQuoteLineFields).
 */
export async function useHalosQuoteLineNames(gql: ReturnType<typeof graphqlClient>, truth: SimTruth) {
  return gql.expectData(SetHaloQuoteLineFieldsDocument, { input: { quantity: truth.quoteLineQuantityField, unitPrice: truth.quoteLineUnitPriceField } });
}
