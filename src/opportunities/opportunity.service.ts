import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Company, Contact, Opportunity, type OutboxRow } from '../db/entities';
import { InputError, type FieldError } from '../common/input-error';
import { OPPORTUNITY_STATUSES, type IntegrationSettingsDoc, type OpportunitySettings } from '../integration/settings';
import type { Outbox } from '../push/outbox';
import { formatDecimal, MoneyError, parseDecimal } from '../quotes/money';
import { OPPORTUNITY_FIELDS, type OpportunityField, type PendingChanges } from './conflicts';

/** The outbox kind that creates or updates an opportunity's Halo ticket (src/push/handlers/opportunity.ts). */
export const OPPORTUNITY_PUSH = 'opportunity.push';

export interface OpportunityInput {
  companyId: string;
  contactId?: string | null;
  title: string;
  /** OPEN (default), WON or LOST. */
  status?: string | null;
  value?: string | null;
  ownerAgentId?: number | null;
  /** Defaults to the mapping's default opportunity type. */
  haloTypeId?: number | null;
}

/** Omitted fields stay as they are; `null` clears contact, value and owner. */
export type OpportunityPatch = Partial<OpportunityInput>;

const TITLE_MAX = 250;

interface Deps {
  outbox: Outbox;
  settings: IntegrationSettingsDoc;
}

/**
 * Opportunities made and edited here. Every change is applied to our row at once (reads show it), remembered as a
 * pending edit with its time, and pushed to Halo through the outbox in the same transaction. The push merges it
 * with whatever Halo changed meanwhile (conflicts.ts) before writing.
 */
export class OpportunityService {
  constructor(private readonly deps: Deps) {}

  async create(em: EntityManager, tenantId: string, input: OpportunityInput): Promise<Opportunity> {
    const mapping = this.mapping();
    const errors: FieldError[] = [];
    const title = checkTitle(input.title, errors);
    const status = checkStatus(input.status ?? 'OPEN', mapping, errors);
    const value = checkValue(input.value, errors);
    const owner = checkOwner(input.ownerAgentId, errors);
    const typeId = checkType(input.haloTypeId ?? mapping.defaultTypeId, mapping, errors);
    const company = await findCompany(em, tenantId, input.companyId, 'companyId', errors);
    const contact = input.contactId ? await findContact(em, tenantId, input.contactId, company, errors) : null;
    if (errors.length) throw new InputError(errors);

    const at = new Date().toISOString();
    let row: OutboxRow | undefined;
    const opp = await em.transactional(async (tx) => {
      const o = tx.create(Opportunity, {
        tenantId,
        origin: 'LOCAL',
        title: title!,
        companyId: company!.id,
        haloCompanyId: company!.haloId ?? null,
        contactId: contact?.id ?? null,
        haloContactId: contact?.haloId ?? null,
        status: status!,
        haloStatusId: mapping.toHalo.find((m) => m.status === status)!.haloStatusId,
        haloTypeId: typeId!,
        value: value ?? null,
        ownerAgentId: owner ?? null,
        pushState: 'PENDING',
        haloValues: null,
        pendingChanges: {},
      });
      // Everything the ticket is created with is pending until Halo has it.
      o.pendingChanges = Object.fromEntries(OPPORTUNITY_FIELDS.filter((f) => o[f] != null).map((f) => [f, { value: o[f], at }]));
      row = this.deps.outbox.add(tx, { tenantId, kind: OPPORTUNITY_PUSH, targetId: o.id });
      return o;
    });
    await this.deps.outbox.dispatch([row!]);
    return opp;
  }

  async update(em: EntityManager, tenantId: string, id: string, patch: OpportunityPatch): Promise<Opportunity> {
    const mapping = this.mapping();
    let row: OutboxRow | undefined;
    const opp = await em.transactional(async (tx) => {
      const o = await tx.findOne(Opportunity, { id, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!o) throw new InputError([{ path: 'id', code: 'NOT_FOUND', message: 'No opportunity with this id.' }]);
      if (o.deletedAt) throw new InputError([{ path: 'id', code: 'DELETED_IN_HALO', message: 'This opportunity was deleted in Halo; it cannot be edited.' }]);

      const errors: FieldError[] = [];
      const next: Partial<Record<OpportunityField, unknown>> = {};
      const extra: Partial<Opportunity> = {};
      if (patch.title !== undefined) next.title = checkTitle(patch.title, errors);
      if (patch.status !== undefined) {
        const status = checkStatus(patch.status ?? '', mapping, errors);
        next.status = status;
        extra.haloStatusId = mapping.toHalo.find((m) => m.status === status)?.haloStatusId ?? null;
        extra.haloStatusName = null;
      }
      if (patch.value !== undefined) next.value = checkValue(patch.value, errors) ?? null;
      if (patch.ownerAgentId !== undefined) {
        next.ownerAgentId = checkOwner(patch.ownerAgentId, errors) ?? null;
        extra.ownerName = null;
      }
      if (patch.haloTypeId !== undefined) next.haloTypeId = checkType(patch.haloTypeId, mapping, errors);
      let company: Company | null = null;
      if (patch.companyId !== undefined && patch.companyId !== o.companyId) {
        company = await findCompany(tx, tenantId, patch.companyId ?? '', 'companyId', errors);
        next.haloCompanyId = company?.haloId ?? null;
        extra.companyId = company?.id ?? null;
        // The contact belonged to the old company: cleared unless a new one is given.
        if (patch.contactId === undefined && o.contactId) {
          next.haloContactId = null;
          extra.contactId = null;
        }
      }
      if (patch.contactId !== undefined) {
        const owner = company ?? (o.companyId ? await tx.findOne(Company, { id: o.companyId }) : null);
        const contact = patch.contactId ? await findContact(tx, tenantId, patch.contactId, owner, errors) : null;
        next.haloContactId = contact?.haloId ?? null;
        extra.contactId = contact?.id ?? null;
      }
      if (errors.length) throw new InputError(errors);

      const changed = (Object.entries(next) as [OpportunityField, unknown][]).filter(([f, v]) => (o[f] ?? null) !== (v ?? null));
      if (!changed.length) return o;
      // The first edit of a record synced before bases were kept: its columns are Halo's values of the last sync.
      if (!o.haloValues && o.haloId != null && !Object.keys(o.pendingChanges).length) {
        o.haloValues = Object.fromEntries(OPPORTUNITY_FIELDS.map((f) => [f, o[f] ?? null]));
      }
      const at = new Date().toISOString();
      const pending: PendingChanges = { ...o.pendingChanges };
      for (const [f, v] of changed) pending[f] = { value: v ?? null, at };
      Object.assign(o, Object.fromEntries(changed), extra);
      o.pendingChanges = pending;
      o.pushState = 'PENDING';
      o.pushError = null;
      row = this.deps.outbox.add(tx, { tenantId, kind: OPPORTUNITY_PUSH, targetId: o.id });
      return o;
    });
    if (row) await this.deps.outbox.dispatch([row]);
    return opp;
  }

  private mapping(): OpportunitySettings {
    const mapping = this.deps.settings.opportunities;
    if (!mapping) {
      throw new InputError([
        { path: 'status', code: 'OPPORTUNITY_MAPPING_MISSING', message: 'Set the opportunity mapping first (setOpportunityMapping): it names the Halo type and statuses opportunities are created with.' },
      ]);
    }
    return mapping;
  }
}

function checkTitle(raw: string | null | undefined, errors: FieldError[]): string | undefined {
  const title = (raw ?? '').trim();
  if (!title) errors.push({ path: 'title', code: 'REQUIRED', message: 'A title is required.' });
  else if (title.length > TITLE_MAX) errors.push({ path: 'title', code: 'TOO_LONG', message: `At most ${TITLE_MAX} characters.` });
  return title || undefined;
}

function checkStatus(status: string, mapping: OpportunitySettings, errors: FieldError[]): string | undefined {
  if (!(OPPORTUNITY_STATUSES as readonly string[]).includes(status)) {
    errors.push({ path: 'status', code: 'UNKNOWN_STATUS', message: `Must be one of ${OPPORTUNITY_STATUSES.join(', ')}.` });
    return undefined;
  }
  if (!mapping.toHalo.some((m) => m.status === status)) {
    errors.push({ path: 'status', code: 'STATUS_NOT_MAPPED', message: `${status} has no Halo status in the opportunity mapping; map it first.` });
    return undefined;
  }
  return status;
}

function checkValue(value: string | null | undefined, errors: FieldError[]): string | null | undefined {
  if (value == null) return value;
  try {
    const units = parseDecimal(value);
    if (units < 0n) errors.push({ path: 'value', code: 'NEGATIVE', message: 'The value cannot be negative.' });
    return formatDecimal(units);
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err;
    errors.push({ path: 'value', code: 'INVALID_DECIMAL', message: err.message });
    return undefined;
  }
}

function checkOwner(agentId: number | null | undefined, errors: FieldError[]): number | null | undefined {
  if (agentId == null) return agentId;
  if (!Number.isInteger(agentId) || agentId <= 0) errors.push({ path: 'ownerAgentId', code: 'INVALID_ID', message: 'A Halo agent id is a positive integer.' });
  return agentId;
}

function checkType(typeId: number | null | undefined, mapping: OpportunitySettings, errors: FieldError[]): number | undefined {
  const allowed = new Set([mapping.defaultTypeId, ...mapping.importTypeIds]);
  if (typeId == null || !allowed.has(typeId)) {
    errors.push({
      path: 'haloTypeId',
      code: 'TYPE_NOT_IMPORTED',
      message: `Must be the default opportunity type or an imported one (${[...allowed].join(', ')}); other types would not sync back.`,
    });
    return undefined;
  }
  return typeId;
}

async function findCompany(em: EntityManager, tenantId: string, id: string, path: string, errors: FieldError[]): Promise<Company | null> {
  const company = id ? await em.findOne(Company, { id, tenantId, deletedAt: null }) : null;
  if (!company) errors.push({ path, code: 'NOT_FOUND', message: 'No company with this id.' });
  else if (company.haloId == null) errors.push({ path, code: 'NOT_IN_HALO', message: 'This company is not in Halo yet, so its opportunities cannot be.' });
  return company;
}

async function findContact(em: EntityManager, tenantId: string, id: string, company: Company | null, errors: FieldError[]): Promise<Contact | null> {
  const contact = await em.findOne(Contact, { id, tenantId, deletedAt: null });
  if (!contact) errors.push({ path: 'contactId', code: 'NOT_FOUND', message: 'No contact with this id.' });
  else if (company && contact.companyId !== company.id) errors.push({ path: 'contactId', code: 'NOT_OF_COMPANY', message: 'The contact belongs to another company.' });
  else if (contact.haloId == null) errors.push({ path: 'contactId', code: 'NOT_IN_HALO', message: 'This contact is not in Halo yet.' });
  return contact;
}
