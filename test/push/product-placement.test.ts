import { describe, expect, it } from 'vitest';
import { productAccountCode, resolveProductGroup } from '../../src/products/placement';

const settings = {
  productGroups: [
    { haloGroupId: 1, productType: 'HARDWARE' as const },
    { haloGroupId: 8, productType: 'HARDWARE' as const },
    { haloGroupId: 3, productType: 'SERVICE' as const },
  ],
  productDefaults: { shippingItemId: null, defaultGroupId: 4 },
  accountCodes: { groups: [{ haloGroupId: 3, code: 'REV-3' }], items: [] },
};

describe('where a product made here goes in Halo', () => {
  it('goes to the group it names, whatever its type', () => {
    expect(resolveProductGroup(settings, { haloGroupId: 7, productType: 'SERVICE' })).toEqual({ haloGroupId: 7, source: 'product' });
  });

  it('else to the first group its product type is mapped to', () => {
    expect(resolveProductGroup(settings, { productType: 'HARDWARE' })).toEqual({ haloGroupId: 1, source: 'mapping' });
  });

  it('else to the default product group', () => {
    expect(resolveProductGroup(settings, { productType: 'OTHER' })).toEqual({ haloGroupId: 4, source: 'default' });
    expect(resolveProductGroup(settings, {})).toEqual({ haloGroupId: 4, source: 'default' });
  });

  it('else nowhere (the push is refused)', () => {
    expect(resolveProductGroup({ ...settings, productDefaults: { shippingItemId: null, defaultGroupId: null } }, { productType: 'OTHER' })).toBeNull();
  });

  it('carries its own account code, else its group’s, else none (Halo’s group default)', () => {
    expect(productAccountCode(settings, { accountCodeOverride: 'OWN' }, 3)).toBe('OWN');
    expect(productAccountCode(settings, {}, 3)).toBe('REV-3');
    expect(productAccountCode(settings, {}, 4)).toBeNull();
  });
});
