/**
 * `lookupid`s of the Halo lookup tables the product reads through `GET /api/Lookup?lookupid=N`. Halo's real ids
 * were not found in any source (HALO-API.md §6, §8): these are the values our simulator serves. Verify them on a
 * real tenant (Configuration > Lookup Codes shows each table's id) before relying on them.
 */
export const HALO_LOOKUP_IDS = {
  customerType: 33,
  quoteStatus: 49,
  countryCode: 70,
  regionCode: 71,
  pipelineStage: 142,
  billingPeriod: 150,
} as const;

