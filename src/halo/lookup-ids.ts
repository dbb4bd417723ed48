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

/**
 * Billing periods of recurring items and quote lines, in months (0 = one-off). Halo's integer → period mapping is
 * not documented (HALO-API.md §6, §8); this is the mapping our simulator uses. Verify on a real tenant.
 */
export const HALO_BILLING_PERIOD_MONTHS = { ONE_OFF: 0, MONTHLY: 1, QUARTERLY: 3, ANNUALLY: 12 } as const;
