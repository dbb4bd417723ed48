import { resolveAccountCode, type IntegrationSettingsDoc } from '../integration/settings';

/**
 * Where a product made here goes in Halo, as pure functions of (product, settings).
 *
 * Group: the product's own Halo group when it names one; else the group its product type is mapped to (the first
 * mapping of that type, in the mapping's order); else the default product group; else none (the push is refused
 * with the fix).
 */
export function resolveProductGroup(
  settings: Pick<IntegrationSettingsDoc, 'productGroups' | 'productDefaults'>,
  product: { haloGroupId?: number | null; productType?: string | null },
): { haloGroupId: number; source: 'product' | 'mapping' | 'default' } | null {
  if (product.haloGroupId != null) return { haloGroupId: product.haloGroupId, source: 'product' };
  const mapped = product.productType ? settings.productGroups.find((m) => m.productType === product.productType) : undefined;
  if (mapped) return { haloGroupId: mapped.haloGroupId, source: 'mapping' };
  const fallback = settings.productDefaults.defaultGroupId;
  return fallback != null ? { haloGroupId: fallback, source: 'default' } : null;
}

/** The account (nominal) code sent with the product: its own, else its group's per the account-code mapping, else none (Halo's group default). */
export function productAccountCode(settings: Pick<IntegrationSettingsDoc, 'accountCodes'>, product: { accountCodeOverride?: string | null }, haloGroupId: number): string | null {
  return product.accountCodeOverride ?? resolveAccountCode(settings.accountCodes, { haloGroupId })?.code ?? null;
}

export function unplacedMessage(product: { name: string; productType?: string | null }): string {
  const why = product.productType ? `its product type ${product.productType} is not mapped to a Halo product group` : 'it has no product type';
  return `"${product.name}" has no Halo product group: ${why} and no default product group is set. Map the type to a product group (setProductGroupMappings) or set a default group (setProductDefaults), then retry the push.`;
}
