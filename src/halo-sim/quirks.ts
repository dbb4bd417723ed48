/**
 * Switches for the forms HALO-API.md is unsure about. Defaults are the likeliest reading of the evidence;
 * flip one to test the client against the other form.
 */
export interface SimQuirks {
  /**
   * Envelope key of each list endpoint, or null for a bare JSON array (§2.2). Entries here override the
   * defaults in entities.ts, e.g. `{ Category: 'categories', Tax: 'taxes', Team: 'teams', Agent: 'agents' }`.
   */
  listEnvelopes: Record<string, string | null>;
  /**
   * page_size cap per list endpoint (null = uncapped). Tickets/Opportunities are capped at 100 per the spec and
   * HaloAPI#90; CIPP pages /Client with 999, so other caps are unknown (§2.1).
   */
  pageSizeCaps: Record<string, number | null>;
  /** Rows returned without `pageinate=true` and without `count` (the API agent's page-size preference). */
  defaultPageSize: number;
  /** Where the token endpoint reads the hosted tenant from: both forms are seen in clients (§1.1). */
  tenantFrom: 'query-or-form' | 'query' | 'form';
  /** Write double-typed fields (Site.client_id, Users.site_id, prices) as `12.0`, as Halo's serialiser does. */
  doublesAsFloats: boolean;
  /** Key of the entity inside a webhook payload: per entity (`ticket`, `client`, …) or always `object`. */
  webhookEntityKey: 'entity' | 'object';
  /** Add `Retry-After` to 429s. No source shows Halo sending it (§5.1). */
  rateLimitRetryAfter: boolean;
  /**
   * Shape of a 400 for a field of the wrong type: ASP.NET model state keyed by JSON path (§5.2 item 5,
   * `{"[0].id":["…"]}`) or the newer ProblemDetails wrapper with the same map under `errors`.
   */
  validationErrorShape: 'modelstate' | 'problemdetails';
  /** Key holding the ticket's last-update time in POST responses (DJPSA: `lastupdate`, GET uses `last_update`). */
  ticketPostLastUpdateKey: 'lastupdate' | 'last_update';
  /** Ticket updates fire a webhook only when the status changes (the product guide's known gap). */
  ticketUpdateWebhookOnlyOnStatusChange: boolean;
}

export const DEFAULT_QUIRKS: SimQuirks = {
  listEnvelopes: {},
  pageSizeCaps: { Tickets: 100, Opportunities: 100 },
  defaultPageSize: 50,
  tenantFrom: 'query-or-form',
  doublesAsFloats: true,
  webhookEntityKey: 'entity',
  rateLimitRetryAfter: false,
  validationErrorShape: 'modelstate',
  ticketPostLastUpdateKey: 'lastupdate',
  ticketUpdateWebhookOnlyOnStatusChange: true,
};

export function resolveQuirks(overrides: Partial<SimQuirks> = {}): SimQuirks {
  return {
    ...DEFAULT_QUIRKS,
    ...overrides,
    listEnvelopes: { ...DEFAULT_QUIRKS.listEnvelopes, ...overrides.listEnvelopes },
    pageSizeCaps: { ...DEFAULT_QUIRKS.pageSizeCaps, ...overrides.pageSizeCaps },
  };
}
