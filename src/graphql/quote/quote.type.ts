import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';
import { BillingPeriodEnum } from '../common/billing-period';
import type { BillingPeriod } from '../../common/billing-period';

@ObjectType('QuoteLine', { simpleResolvers: true })
export class QuoteLineType {
  @Field(() => ID) id!: string;
  @Field(() => Int) position!: number;
  @Field(() => ID, { nullable: true }) itemId?: string | null;
  @Field(() => Int, { nullable: true }) haloItemId?: number | null;
  @Field(() => String) description!: string;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => DecimalScalar) unitPrice!: string;
  @Field(() => DecimalScalar, { nullable: true }) unitCost?: string | null;
  @Field(() => Boolean) recurring!: boolean;
  @Field(() => BillingPeriodEnum, { nullable: true, description: 'How often the line is billed; ONE_OFF for a line that is not recurring.' }) billingPeriod?: BillingPeriod | null;
  @Field(() => ID, { nullable: true }) bundleId?: string | null;
}

@ObjectType('QuoteBundle', { simpleResolvers: true, description: 'A named group of lines, sent to Halo as a group header with its lines.' })
export class QuoteBundleType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) position!: number;
}

@ObjectType('QuoteTotals', { simpleResolvers: true, description: 'Derived from the lines: exact decimals.' })
export class QuoteTotalsType {
  @Field(() => DecimalScalar, { description: 'One-off lines.' }) subtotal!: string;
  @Field(() => DecimalScalar, { description: 'Recurring lines, per their billing period.' }) recurringSubtotal!: string;
  @Field(() => DecimalScalar) shipping!: string;
  @Field(() => DecimalScalar, { description: 'One-off lines plus shipping.' }) total!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Quote', { simpleResolvers: true, description: 'A quote for a company; accepted quotes become Halo quotations.' })
export class QuoteType extends SyncedFields {
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => ID, { nullable: true }) opportunityId?: string | null;
  @Field(() => String) title!: string;
  @Field(() => String, { description: 'DRAFT, SENT, APPROVED or DECLINED.' }) status!: string;
  @Field(() => Int, { nullable: true }) haloQuoteStatusId?: number | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'As Halo computed it (quotes from Halo), or our total.' }) total?: string | null;
  @Field(() => ID, { nullable: true }) contactId?: string | null;
  @Field(() => String, { nullable: true, description: 'Our reference, kept on the Halo quotation.' }) reference?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) shippingCharge?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) validUntil?: string | null;
  @Field(() => Int, { nullable: true, description: 'The Halo sales order made from the accepted quotation.' }) salesOrderHaloId?: number | null;
}

export const QuoteConnection = ConnectionOf(QuoteType, 'QuoteConnection');
