import { Field, InputType, Int } from 'type-graphql';
import { DecimalScalar } from '../common/scalars';
import { BillingPeriodEnum } from '../common/billing-period';
import type { BillingPeriod } from '../../common/billing-period';

@InputType({ description: 'A product made here; created in Halo in its mapped product group.' })
export class CreateProductInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'Sent as the supplier part code.' })
  sku?: string | null;

  @Field(() => String, { nullable: true, description: 'HARDWARE, SOFTWARE, LICENSE, SERVICE, LABOR or OTHER: picks the group through the product-group mapping.' })
  productType?: string | null;

  @Field(() => Int, { nullable: true, description: 'A Halo product group; wins over the product-type mapping.' })
  haloGroupId?: number | null;

  @Field(() => DecimalScalar, { description: 'Sell price (per billing period for a recurring product).' })
  price!: string;

  @Field(() => DecimalScalar, { nullable: true })
  cost?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  recurring?: boolean | null;

  @Field(() => BillingPeriodEnum, { nullable: true, description: 'Required for a recurring product: how often it is billed (not ONE_OFF). Leave out (or ONE_OFF) otherwise.' })
  billingPeriod?: BillingPeriod | null;

  @Field(() => String, { nullable: true, description: 'Its own account (nominal) code; otherwise its group’s.' })
  accountCode?: string | null;
}
