import { normaliseWebsite } from '../tenants/tenants';
import type { IntegrationSettingsDoc } from './settings';
import type { Named } from './validate';
import { lookupChecks, type LookupTableReport } from './lookup-tables';

export type CheckStatus = 'OK' | 'ACTION_NEEDED' | 'WARNING' | 'UNKNOWN';

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, where (in Halo or in our admin screens). Absent when OK. */
  fix?: string;
}

/** Everything the checklist looks at, gathered by the service; `null` means "could not be known right now". */
export interface ChecklistFacts {
  tenantWebsite: string;
  connection: {
    status: 'CONNECTED' | 'FAILING' | 'DISCONNECTED';
    steps: { step: string; ok: boolean; message: string; fix?: string }[];
    pipelineStagesEnabled: boolean | null;
  } | null;
  settings: IntegrationSettingsDoc;
  /** The primary client as Halo has it now (its website may have changed since it was chosen). */
  primaryClientNow: { name: string; website: string | null } | null;
  productGroups: Named[] | null;
  itemsWithoutGroup: number | null;
  /**
   * null: never installed. `realtime`/`polled`: which changes reach us by webhook (judged by what Halo holds on our
   * webhook) and which only by schedule, and how often. `missingRealtime`: what to tick in Halo (or the mutation to
   * call) to make the rest real time; null when nothing is missing.
   */
  webhooks: { ok: boolean; detail: string; realtime?: string[]; polled?: string[]; missingRealtime?: string | null } | null;
  lastFullSyncAt: Date | null;
  /** The lookup tables and their checks (`lookup-tables.ts`); null when not connected. */
  lookups?: LookupTableReport[] | null;
  /** Why the lookup tables could not be checked at all, when connected. */
  lookupsError?: string;
  /** Pushes that failed because Halo, read back, held something other than what was sent (newest first). */
  storedDifferently?: { kind: string; targetId: string; error: string }[] | null;
}

const step = (f: ChecklistFacts, name: string) => f.connection?.steps.find((s) => s.step === name);

/** Connection steps fixed by entering the connection again; every other step is fixed in Halo and re-checked. */
const CONNECTION_STEPS = new Set(['url', 'auth_server', 'token']);

/**
 * A connection step's fix (written by the Halo diagnostics, in Halo's words) followed by the mutation that applies
 * or re-checks it: every fix the checklist gives names the mutation to call.
 */
function stepFix(name: string, fix: string | undefined): string {
  const mutation = CONNECTION_STEPS.has(name) ? 'connectHalo' : 'testHaloConnection';
  if (!fix) return CONNECTION_STEPS.has(name) ? 'Enter the connection again (connectHalo).' : 'Run testHaloConnection to check again.';
  if (fix.includes(mutation)) return fix;
  return `${fix} Then ${CONNECTION_STEPS.has(name) ? 'save the connection again (connectHalo)' : 'run testHaloConnection'}.`;
}

/**
 * The setup guide's "Verify your integration", "Verify your defaults" and "Common issues", as checks with a
 * status and a fix. Pure: the same facts always give the same list.
 */
export function buildChecklist(f: ChecklistFacts): Check[] {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  const s = f.settings;

  if (!f.connection) {
    add({ id: 'connection', title: 'Connected to Halo', status: 'ACTION_NEEDED', detail: 'No Halo connection yet.', fix: 'Enter your Halo URL, Client ID and Client Secret (connectHalo).' });
  } else {
    const failed = f.connection.steps.find((x) => !x.ok && x.step !== 'pipeline_stages');
    add(
      f.connection.status === 'CONNECTED' && !failed
        ? { id: 'connection', title: 'Connected to Halo', status: 'OK', detail: 'The last connection check passed.' }
        : {
            id: 'connection',
            title: 'Connected to Halo',
            status: 'ACTION_NEEDED',
            detail: failed?.message ?? 'The last connection check failed.',
            fix: failed ? stepFix(failed.step, failed.fix) : 'Run testHaloConnection; if it fails, enter the connection again (connectHalo).',
          },
    );
  }

  const webhookScope = step(f, 'webhooks');
  add(
    !webhookScope
      ? { id: 'webhook_scope', title: 'admin:webhooks permission', status: 'UNKNOWN', detail: 'Not checked yet: connect first.' }
      : webhookScope.ok
        ? { id: 'webhook_scope', title: 'admin:webhooks permission', status: 'OK', detail: webhookScope.message }
        : { id: 'webhook_scope', title: 'admin:webhooks permission', status: 'ACTION_NEEDED', detail: webhookScope.message, fix: stepFix(webhookScope.step, webhookScope.fix) },
  );

  const stages = f.connection?.pipelineStagesEnabled;
  add(
    stages == null
      ? { id: 'pipeline_stages', title: 'Pipeline stages enabled in Halo', status: 'UNKNOWN', detail: 'Not checked yet: connect first.' }
      : stages
        ? { id: 'pipeline_stages', title: 'Pipeline stages enabled in Halo', status: 'OK', detail: 'Enabled.' }
        : { id: 'pipeline_stages', title: 'Pipeline stages enabled in Halo', status: 'ACTION_NEEDED', detail: 'Pipeline stages are off, so opportunity stages cannot sync.', fix: 'In Halo: Configuration > Sales > General Settings, tick Enable Pipeline Stages, then run testHaloConnection.' },
  );

  // Lookup ids no source gives (country, region, pipeline stage): wrong ones are named with the fix.
  checks.push(...lookupChecks(f.lookups ?? null, f.lookupsError));

  if (!s.primaryClient) {
    add({ id: 'primary_client', title: 'Primary client chosen', status: 'ACTION_NEEDED', detail: 'No primary client (your own company in Halo) is chosen.', fix: `Choose the Halo client that is your company with setPrimaryClient; its website must be ${f.tenantWebsite}.` });
  } else if (f.primaryClientNow && normaliseWebsite(f.primaryClientNow.website ?? '') !== normaliseWebsite(f.tenantWebsite)) {
    add({ id: 'primary_client', title: 'Primary client chosen', status: 'ACTION_NEEDED', detail: `"${f.primaryClientNow.name}" now has website "${f.primaryClientNow.website ?? ''}" in Halo, not ${f.tenantWebsite}.`, fix: `Set the website of "${f.primaryClientNow.name}" in Halo to ${f.tenantWebsite}, or choose your own company with setPrimaryClient.` });
  } else {
    add({ id: 'primary_client', title: 'Primary client chosen', status: 'OK', detail: `"${s.primaryClient.name}" (${s.primaryClient.website}).` });
  }

  if (f.productGroups === null) {
    add({ id: 'product_groups', title: 'Every product group mapped', status: 'UNKNOWN', detail: 'Could not read product groups from Halo.' });
  } else {
    const mapped = new Set(s.productGroups.map((m) => m.haloGroupId));
    const unmapped = f.productGroups.filter((g) => !mapped.has(g.id));
    add(
      unmapped.length
        ? { id: 'product_groups', title: 'Every product group mapped', status: 'ACTION_NEEDED', detail: `${unmapped.length} of ${f.productGroups.length} product groups have no product type: ${unmapped.slice(0, 5).map((g) => g.name).join(', ')}${unmapped.length > 5 ? ', …' : ''}.`, fix: 'Map each Halo product group to a product type (setProductGroupMappings).' }
        : { id: 'product_groups', title: 'Every product group mapped', status: 'OK', detail: `All ${f.productGroups.length} product groups are mapped.` },
    );
  }

  add(
    s.opportunities
      ? { id: 'opportunity_mapping', title: 'Opportunity types and statuses mapped', status: 'OK', detail: `${s.opportunities.importTypeIds.length} type(s) imported; ${s.opportunities.fromHalo.length} Halo status(es) mapped.` }
      : { id: 'opportunity_mapping', title: 'Opportunity types and statuses mapped', status: 'ACTION_NEEDED', detail: 'No opportunity mapping yet.', fix: 'Set the default opportunity type, the types to import and the status mapping (setOpportunityMapping).' },
  );
  add(
    s.quoteStatuses.length === 4
      ? { id: 'quote_status_mapping', title: 'Quote statuses mapped', status: 'OK', detail: 'Draft, Sent, Approved and Declined are mapped.' }
      : { id: 'quote_status_mapping', title: 'Quote statuses mapped', status: 'ACTION_NEEDED', detail: 'The quote status mapping must be configured by hand (it is not pre-populated).', fix: 'Map Draft, Sent, Approved and Declined to Halo quote statuses and opportunity statuses or stages (setQuoteStatusMapping).' },
  );
  add(
    s.productDefaults.shippingItemId != null
      ? { id: 'shipping_product', title: 'Shipping product set', status: 'OK', detail: `Halo item ${s.productDefaults.shippingItemId}.` }
      : { id: 'shipping_product', title: 'Shipping product set', status: 'ACTION_NEEDED', detail: 'No shipping product: quotes with shipping cannot be sent to Halo.', fix: 'Choose the Halo item that represents shipping costs (setProductDefaults with shippingItemId).' },
  );
  add(
    s.productDefaults.defaultGroupId != null
      ? { id: 'default_category', title: 'Default product category set', status: 'OK', detail: `Halo product group ${s.productDefaults.defaultGroupId}.` }
      : { id: 'default_category', title: 'Default product category set', status: 'ACTION_NEEDED', detail: 'No fallback category for products sent to Halo without a mapping.', fix: 'Choose a default Halo product group (setProductDefaults with defaultGroupId).' },
  );
  add(
    f.itemsWithoutGroup === null
      ? { id: 'items_without_group', title: 'Items without a product group', status: 'UNKNOWN', detail: 'Counted in Halo once it is connected and reachable.' }
      : f.itemsWithoutGroup === 0
        ? { id: 'items_without_group', title: 'Items without a product group', status: 'OK', detail: 'Every Halo item has a product group.' }
        : { id: 'items_without_group', title: 'Items without a product group', status: 'WARNING', detail: `${f.itemsWithoutGroup} active Halo item(s) have no product group and do not sync (counted in Halo: all items less those listed from the product groups).`, fix: 'In Halo give each item a product group (an asset group marked "Use for Items"; Halo\'s item list filtered by asset group shows the ones without), then run a sync (startSync).' },
  );
  add(
    f.webhooks === null
      ? { id: 'webhooks', title: 'Webhooks installed', status: 'ACTION_NEEDED', detail: 'Webhooks are not installed.', fix: 'Install the Halo webhooks (installHaloWebhooks).' }
      : f.webhooks.ok
        ? { id: 'webhooks', title: 'Webhooks installed', status: 'OK', detail: f.webhooks.detail }
        : { id: 'webhooks', title: 'Webhooks installed', status: 'ACTION_NEEDED', detail: f.webhooks.detail, fix: 'Repair the webhooks (repairHaloWebhooks).' },
  );
  const realtime = f.webhooks?.ok ? (f.webhooks.realtime ?? []) : [];
  const polled = f.webhooks?.polled ?? ['everything (no working webhooks): the scheduled incremental sync'];
  // Complete only when Halo holds a subscription for every change it can send (its known gaps stay polled).
  const complete = realtime.length > 0 && !f.webhooks?.missingRealtime;
  add({
    id: 'realtime_coverage',
    title: 'Real-time and polled changes',
    status: complete ? 'OK' : 'WARNING',
    detail: `Real time (webhooks, seconds): ${realtime.length ? realtime.join('; ') : 'nothing'}. Polled (scheduled sync): ${polled.join('; ')}.`,
    ...(complete ? {} : { fix: (f.webhooks?.ok && f.webhooks.missingRealtime) || 'Install or repair the Halo webhooks (installHaloWebhooks, repairHaloWebhooks) so changes arrive in seconds.' }),
  });
  add(
    f.lastFullSyncAt
      ? { id: 'first_full_sync', title: 'First full sync completed', status: 'OK', detail: `Last full sync completed ${f.lastFullSyncAt.toISOString()}.` }
      : { id: 'first_full_sync', title: 'First full sync completed', status: 'ACTION_NEEDED', detail: 'No full sync has completed yet.', fix: 'Run a full sync (startSync with full: true).' },
  );
  const differently = f.storedDifferently;
  add(
    differently == null
      ? { id: 'pushes_stored_as_sent', title: 'Halo stores pushes as sent', status: 'UNKNOWN', detail: 'Could not read the pushes.' }
      : differently.length === 0
        ? { id: 'pushes_stored_as_sent', title: 'Halo stores pushes as sent', status: 'OK', detail: 'No push is failing because Halo stored it differently from what was sent.' }
        : {
            id: 'pushes_stored_as_sent',
            title: 'Halo stores pushes as sent',
            status: 'ACTION_NEEDED',
            detail: `${differently.length} record(s) are in Halo but Halo holds them differently from what was sent: ${differently
              .slice(0, 5)
              .map((d) => `${d.kind} ${d.targetId} (${d.error.length > 300 ? `${d.error.slice(0, 300)}…` : d.error})`)
              .join('; ')}${differently.length > 5 ? '; …' : ''}.`,
            fix: 'If a quote line’s quantity or unit price is missing or wrong, your Halo reads them under other field names: set them (setHaloQuoteLineFields). Otherwise fix the Halo setting or mapping the error names. Then retry each push (retryPush, listed by pushes(state: "FAILED")): the records are updated in Halo, not created again.',
          },
  );
  return checks;
}
