import type { IntegrationSettingsDoc } from '../integration/settings';

/**
 * The demo tenant's mappings, against the Halo simulator's demo data (src/halo-sim/seed.ts, README "Fixed facts").
 * They are the values an MSP admin would pick in the setup guide; the demo validates them like the API does.
 */

/** Professional Services: the group the demo's shipping product is taken from. */
export const DEMO_SHIPPING_GROUP_ID = 4;

export const DEMO_SETTINGS: IntegrationSettingsDoc = {
  primaryClient: { haloClientId: 12, name: 'Acme Managed Services', website: 'acme.example' },
  productGroups: [
    { haloGroupId: 1, productType: 'HARDWARE' }, // Hardware
    { haloGroupId: 2, productType: 'LICENSE' }, // Software Licences
    { haloGroupId: 3, productType: 'SERVICE' }, // Managed Services
    { haloGroupId: 4, productType: 'LABOR' }, // Professional Services
    { haloGroupId: 7, productType: 'SOFTWARE' }, // Cloud & Microsoft 365
    { haloGroupId: 8, productType: 'HARDWARE' }, // Accessoires & Périphériques
  ],
  opportunities: {
    defaultTypeId: 32, // Opportunity
    importTypeIds: [32, 33], // Opportunity, Renewal (34 "Legacy Deal" is hidden in Halo)
    toHalo: [
      { status: 'OPEN', haloStatusId: 20 },
      { status: 'WON', haloStatusId: 24 },
      { status: 'LOST', haloStatusId: 25 },
    ],
    fromHalo: [
      { haloStatusId: 20, status: 'OPEN' }, // Open Lead
      { haloStatusId: 21, status: 'OPEN' }, // Qualifying
      { haloStatusId: 22, status: 'OPEN' }, // Proposal Sent
      { haloStatusId: 23, status: 'OPEN' }, // Negotiation
      { haloStatusId: 24, status: 'WON' },
      { haloStatusId: 25, status: 'LOST' },
    ],
  },
  companies: {
    prospectTypeId: 2, // customer type "Prospect"
    address: { street: 'line1', street2: 'line2', city: 'line3', state: 'line4', postalCode: 'postcode' },
  },
  quoteStatuses: [
    { status: 'DRAFT', haloQuoteStatusId: 1, haloOpportunityStatusId: 20, haloPipelineStageId: 2 },
    { status: 'SENT', haloQuoteStatusId: 2, haloOpportunityStatusId: 22, haloPipelineStageId: 3 },
    { status: 'APPROVED', haloQuoteStatusId: 3, haloOpportunityStatusId: 24, haloPipelineStageId: 5 },
    { status: 'DECLINED', haloQuoteStatusId: 4, haloOpportunityStatusId: 25, haloPipelineStageId: 6 },
  ],
  // shippingItemId is filled in at start-up: the simulator's first Professional Services item.
  productDefaults: { shippingItemId: null, defaultGroupId: DEMO_SHIPPING_GROUP_ID },
  accountCodes: { groups: [], items: [] },
  // Filled in at start-up from the simulator's truth: see saveDefaultSettings.
  lookupIds: {},
  // Filled in at start-up: the quote-line field names the demo simulator's Halo reads (an admin finds them in Halo).
  haloQuoteLineFields: null,
};
