import type { HaloTicket } from '../../halo';
import type { OpportunityField } from '../../opportunities/conflicts';

/**
 * Our opportunity fields → Halo ticket wire fields (HALO-API.md §3.2 "Ticket / Opportunity"). The only place that
 * knows the ticket field names the push writes.
 */

/**
 * The reference an opportunity created here carries in its ticket's `details`, so an attempt whose answer was lost
 * can find the ticket instead of creating a second one. `details` is used because every Halo ticket has it and it
 * needs no tenant setup (a custom field would); it is plain text in Halo's details pane.
 */
export function opportunityReference(opportunityId: string): string {
  return `[halo-sync opportunity ${opportunityId}]`;
}

export function carriesReference(ticket: Pick<HaloTicket, 'details' | 'details_html'>, reference: string): boolean {
  return [ticket.details, ticket.details_html].some((d) => typeof d === 'string' && d.includes(reference));
}

/** Halo's "Unassigned" agent (HALO-API.md §3.1): what clearing the owner means on the wire. */
const UNASSIGNED_AGENT_ID = 1;

/**
 * Ticket fields for the given changes. `status` is our status; `haloStatusId` maps it through the tenant's mapping
 * (the caller rejects unmapped statuses before building).
 */
export function ticketFields(changes: Partial<Record<OpportunityField, unknown>>, haloStatusId: (status: string) => number): Partial<HaloTicket> {
  const out: Partial<HaloTicket> = {};
  for (const [field, value] of Object.entries(changes) as [OpportunityField, unknown][]) {
    switch (field) {
      case 'title':
        out.summary = String(value);
        break;
      case 'status':
        out.status_id = haloStatusId(String(value));
        break;
      case 'value':
        // Money leaves as a JSON number only here: 4 decimal places are exact in a double for money-sized values.
        out.oppvalue = value == null ? 0 : Number(value);
        break;
      case 'ownerAgentId':
        out.agent_id = value == null ? UNASSIGNED_AGENT_ID : Number(value);
        break;
      case 'haloTypeId':
        out.tickettype_id = Number(value);
        break;
      case 'haloCompanyId':
        out.client_id = Number(value);
        break;
      case 'haloContactId':
        // 0 = no user on the ticket (Halo's "none"; -1 would be the client's General User).
        out.user_id = value == null ? 0 : Number(value);
        break;
    }
  }
  return out;
}

export function ticketCreate(
  opportunityId: string,
  changes: Partial<Record<OpportunityField, unknown>>,
  haloStatusId: (status: string) => number,
): Partial<HaloTicket> {
  const fields = ticketFields(changes, haloStatusId);
  // Creating with an owner of null would name "Unassigned" explicitly; leave it to the type's default instead.
  if (changes.ownerAgentId == null) delete fields.agent_id;
  if (changes.haloContactId == null) delete fields.user_id;
  return { ...fields, details: `Created from the quoting platform. ${opportunityReference(opportunityId)}` };
}

export function ticketUpdate(
  haloId: number,
  changes: Partial<Record<OpportunityField, unknown>>,
  haloStatusId: (status: string) => number,
): Partial<HaloTicket> {
  return { id: haloId, ...ticketFields(changes, haloStatusId) };
}
