import type { HaloTicket } from '../../halo';
import type { OpportunityField } from '../../opportunities/conflicts';
import { compareFields, type Comparison, type StoredDifference } from '../read-back';

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

/** The ticket fields a push writes, how each is compared, and which of our fields each carries. */
const TICKET_FIELDS = [
  { key: 'summary', label: 'title', as: 'text', ours: 'title' },
  { key: 'status_id', label: 'status', as: 'id', ours: 'status' },
  { key: 'pipeline_stage_id', label: 'pipeline stage', as: 'id', ours: null },
  { key: 'oppvalue', label: 'value', as: 'number', ours: 'value' },
  { key: 'agent_id', label: 'owner', as: 'id', ours: 'ownerAgentId' },
  { key: 'tickettype_id', label: 'type', as: 'id', ours: 'haloTypeId' },
  { key: 'client_id', label: 'company', as: 'id', ours: 'haloCompanyId' },
  { key: 'user_id', label: 'contact', as: 'id', ours: 'haloContactId' },
] as const satisfies readonly { key: keyof HaloTicket; label: string; as: Comparison; ours: OpportunityField | null }[];

/** Our opportunity field a ticket field carries (null for fields that are not an opportunity's own, e.g. the stage). */
export function opportunityFieldOf(ticketKey: string): OpportunityField | null {
  return TICKET_FIELDS.find((f) => f.key === ticketKey)?.ours ?? null;
}

/**
 * What Halo holds of a ticket against the fields we sent (`sent`: a create or update body; `id` and `details` are
 * not compared): title, status, pipeline stage, value, owner, type, company, contact. Pure.
 */
export function compareTicket(sent: Partial<HaloTicket>, stored: HaloTicket): StoredDifference[] {
  return compareFields(sent as Record<string, unknown>, stored as Record<string, unknown>, TICKET_FIELDS);
}
