import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Item, ProductGroup, QuoteLine } from '../../db/entities';
import type { HaloClient, HaloItem } from '../../halo';
import { ITEM_CREATE } from '../../products/product.service';
import { productAccountCode, resolveProductGroup, unplacedMessage } from '../../products/placement';
import { HaloStoredDifferently, PushRejected, settlePushState, type PushContext, type PushHandler } from '../outbox';
import { compareItem, itemCreate, itemReference } from './item-payload';

/**
 * Creates a product made here as a Halo item in its group, exactly once: the item carries our reference in
 * `externalreference`; an attempt after one that may have reached Halo lists the group's items by name and adopts
 * the one with the reference instead of creating again. The Halo id is committed on its own at once; a later
 * attempt (a retry after a failure) updates that item. Every write is read back and compared (`compareItem`): a
 * difference fails the push with HALO_STORED_DIFFERENTLY.
 */
export const itemCreateHandler: PushHandler = {
  kind: ITEM_CREATE,
  async push({ em, client, row, settings, mayHaveApplied }: PushContext) {
    const item = await em.fork().findOneOrFail(Item, { id: row.targetId });
    const group = resolveProductGroup(settings, item);
    if (!group) throw new PushRejected(unplacedMessage(item));
    const accountCode = productAccountCode(settings, item, group.haloGroupId);
    const reference = itemReference(item.id);
    const body = itemCreate({
      reference,
      name: item.name,
      description: item.description ?? null,
      sku: item.sku ?? null,
      haloGroupId: group.haloGroupId,
      price: item.price ?? '0',
      cost: item.cost ?? null,
      recurring: item.recurring,
      billingPeriod: item.billingPeriod ?? null,
      accountCode,
    });

    let saved: HaloItem | null | undefined;
    if (item.haloId != null) {
      [saved] = await client.upsert('items', [{ id: item.haloId, ...body }]);
    } else {
      saved = mayHaveApplied ? await findByReference(client, item.name, group.haloGroupId, reference) : null;
      if (!saved) {
        [saved] = await client.upsert('items', [body]);
        if (!saved?.id) throw new Error('Halo saved the product but returned no item id');
      }
    }
    const haloId = item.haloId ?? Number(saved!.id);
    await adopt(em, item.id, haloId, group.haloGroupId, accountCode ?? (typeof saved?.nominalcode === 'string' && saved.nominalcode ? saved.nominalcode : null), settings.productGroups);

    const stored = await client.getById('items', haloId);
    if (!stored) throw new PushRejected(`Item ${haloId} is no longer in Halo (deleted there right after it was saved).`);
    const differences = compareItem(body, stored);
    if (differences.length) {
      throw new HaloStoredDifferently(
        'item',
        haloId,
        differences,
        'Check the Halo settings of its product group (defaults that override new items) or the product’s values, then retry the push (retryProductPush): a retry updates this item; it does not create another.',
      );
    }
    return { haloId };
  },
  settle: (em, row, outcome) => settlePushState(em, Item, row.targetId, row, outcome),
};

async function findByReference(client: HaloClient, name: string, haloGroupId: number, reference: string): Promise<HaloItem | null> {
  for await (const it of client.list('items', { assetgroup_id: haloGroupId, search: name })) {
    if (it.externalreference === undefined) {
      // A list row without the field: read the item in full.
      const full = await client.getById('items', it.id);
      if (full?.externalreference === reference) return full;
    } else if (it.externalreference === reference) return it;
  }
  return null;
}

/** Records the Halo item on ours, in its own commit; a sync that brought it in first made a copy, which goes. */
async function adopt(
  em: EntityManager,
  id: string,
  haloId: number,
  haloGroupId: number,
  accountCode: string | null,
  mappings: { haloGroupId: number; productType: string }[],
): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const it = await tx.findOneOrFail(Item, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const copies = await tx.find(Item, { tenantId: it.tenantId, haloId, id: { $ne: id } });
    if (copies.length) {
      const ids = copies.map((c) => c.id);
      await tx.nativeUpdate(QuoteLine, { tenantId: it.tenantId, itemId: { $in: ids } }, { itemId: id });
      await tx.nativeDelete(Item, { id: { $in: ids } });
    }
    const group = await tx.findOne(ProductGroup, { tenantId: it.tenantId, haloId: haloGroupId });
    it.haloId = haloId;
    it.haloGroupId = haloGroupId;
    it.productGroupId = group?.id ?? null;
    it.productType ??= mappings.find((m) => m.haloGroupId === haloGroupId)?.productType ?? group?.productType ?? null;
    it.accountCode = accountCode;
  });
}
