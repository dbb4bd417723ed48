import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';
import { BillingPeriodEnum } from '../common/billing-period';
import type { BillingPeriod } from '../../common/billing-period';

@ObjectType('ProductGroup', { simpleResolvers: true, description: 'A Halo product group (an asset group marked "Use for Items").' })
export class ProductGroupType extends SyncedFields {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: 'The product type it maps to; null while unmapped.' }) productType?: string | null;
  @Field(() => String, { nullable: true }) accountCode?: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType('Item', { simpleResolvers: true, description: 'A product or service from the Halo item catalogue.' })
export class ItemType extends SyncedFields {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) sku?: string | null;
  @Field(() => ID, { nullable: true }) productGroupId?: string | null;
  @Field(() => String, { nullable: true, description: 'From the product-group mapping.' }) productType?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) price?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) cost?: string | null;
  @Field(() => Boolean) recurring!: boolean;
  @Field(() => DecimalScalar, { nullable: true }) recurringPrice?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) recurringCost?: string | null;
  @Field(() => BillingPeriodEnum, { nullable: true, description: 'How often a recurring item is billed (Halo’s default billing period of the item).' }) billingPeriod?: BillingPeriod | null;
  @Field(() => Int, { nullable: true }) haloTaxCode?: number | null;
  @Field(() => String, { nullable: true, description: 'The item’s own account (nominal) code in Halo.' }) accountCode?: string | null;
}

export const ItemConnection = ConnectionOf(ItemType, 'ItemConnection');
