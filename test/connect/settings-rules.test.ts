import { describe, expect, it } from 'vitest';
import {
  addressFor,
  groupAccountCodeFor,
  haloAddressLines,
  importedTypesChanged,
  importsOpportunityType,
  isProspectFor,
  opportunityStatusFor,
  productTypeFor,
  quoteStatusFor,
} from '../../src/integration/mapping-rules';
import { companiesFromInput, emptySettings, mergeProductDefaults, productDefaultsToCheck, quoteStatusesFromInput, type IntegrationSettingsDoc } from '../../src/integration/settings';
import { checkListSizes, SETTINGS_LIST_LIMITS } from '../../src/integration/validate';

const settings = (over: Partial<IntegrationSettingsDoc>): IntegrationSettingsDoc => ({ ...emptySettings(), ...over });

/** The pure decisions the sync mappers and the re-application of a saved mapping share. */
describe('mapping rules', () => {
  it('types products by their group, null while unmapped or without a group', () => {
    const s = settings({ productGroups: [{ haloGroupId: 1, productType: 'HARDWARE' }] });
    expect(productTypeFor(s, 1)).toBe('HARDWARE');
    expect(productTypeFor(s, 2)).toBeNull();
    expect(productTypeFor(s, null)).toBeNull();
  });

  it('takes a group’s own account code over Halo’s, and none for an empty one', () => {
    const s = settings({ accountCodes: { groups: [{ haloGroupId: 1, code: 'HW' }], items: [] } });
    expect(groupAccountCodeFor(s, 1, '4000')).toBe('HW');
    expect(groupAccountCodeFor(s, 2, '4100')).toBe('4100');
    expect(groupAccountCodeFor(s, 2, '')).toBeNull();
  });

  it('maps opportunity statuses and imported types', () => {
    const s = settings({ opportunities: { defaultTypeId: 32, importTypeIds: [32], toHalo: [], fromHalo: [{ haloStatusId: 24, status: 'WON' }] } });
    expect(opportunityStatusFor(s, 24)).toBe('WON');
    expect(opportunityStatusFor(s, 20)).toBeNull();
    expect(importsOpportunityType(s, 32)).toBe(true);
    expect(importsOpportunityType(s, 33)).toBe(false);
    expect(importsOpportunityType(emptySettings(), 33)).toBe(true);
    expect(importedTypesChanged(s, settings({ opportunities: { ...s.opportunities!, importTypeIds: [32, 32] } }))).toBe(false);
    expect(importedTypesChanged(s, settings({ opportunities: { ...s.opportunities!, importTypeIds: [32, 33] } }))).toBe(true);
  });

  it('marks prospects by Halo’s account flag or the mapped customer type', () => {
    const s = settings({ companies: { prospectTypeId: 2, address: companiesFromInput({ address: {} }).address } });
    expect(isProspectFor(s, { isAccount: true, customerTypeId: 1 })).toBe(true);
    expect(isProspectFor(s, { isAccount: false, customerTypeId: 2 })).toBe(true);
    expect(isProspectFor(s, { isAccount: false, customerTypeId: 1 })).toBe(false);
  });

  it('picks address fields from Halo’s lines, the default mapping until one is saved', () => {
    const lines = haloAddressLines({ line1: ' 1 High St ', line2: '', line3: 'Leeds', line4: 'Yorkshire', postcode: 'LS1' });
    expect(lines).toEqual({ line1: '1 High St', line2: null, line3: 'Leeds', line4: 'Yorkshire', postcode: 'LS1' });
    expect(addressFor(emptySettings(), lines)).toEqual({ street: '1 High St', street2: null, city: 'Leeds', state: 'Yorkshire', postalCode: 'LS1' });
    const swapped = settings({ companies: { prospectTypeId: null, address: { street: 'line1', street2: null, city: 'line4', state: 'line3', postalCode: 'postcode' } } });
    expect(addressFor(swapped, lines)).toEqual({ street: '1 High St', street2: null, city: 'Yorkshire', state: 'Leeds', postalCode: 'LS1' });
  });

  it('maps quote statuses, else by Halo’s name, else DRAFT', () => {
    const s = settings({ quoteStatuses: quoteStatusesFromInput([{ status: 'SENT', haloQuoteStatusId: 1 }]) });
    expect(s.quoteStatuses[0]).toEqual({ status: 'SENT', haloQuoteStatusId: 1, haloOpportunityStatusId: null, haloPipelineStageId: null });
    expect(quoteStatusFor(s, { haloQuoteStatusId: 1, statusName: 'Draft' })).toBe('SENT');
    expect(quoteStatusFor(s, { haloQuoteStatusId: 4, statusName: 'Declined' })).toBe('DECLINED');
    expect(quoteStatusFor(s, { haloQuoteStatusId: 5, statusName: 'Expired' })).toBe('DRAFT');
  });
});

describe('settings inputs', () => {
  it('product defaults: omitted keeps, null clears; only what is set is checked', () => {
    const current = { shippingItemId: 7, defaultGroupId: 4 };
    expect(mergeProductDefaults(current, { defaultGroupId: 1 })).toEqual({ shippingItemId: 7, defaultGroupId: 1 });
    expect(mergeProductDefaults(current, { shippingItemId: null })).toEqual({ shippingItemId: null, defaultGroupId: 4 });
    expect(productDefaultsToCheck({ defaultGroupId: 1 })).toEqual({ shippingItemId: null, defaultGroupId: 1 });
  });

  it('list caps: one error per oversized list, with its path and the limit', () => {
    expect(checkListSizes([{ path: 'items', limit: 'accountCodeItems', size: SETTINGS_LIST_LIMITS.accountCodeItems }])).toEqual([]);
    expect(checkListSizes([{ path: 'items', limit: 'accountCodeItems', size: 10_000 }])).toEqual([
      { path: 'items', code: 'TOO_MANY', message: `The list has 10000 entries. It may have at most ${SETTINGS_LIST_LIMITS.accountCodeItems}.` },
    ]);
  });
});
