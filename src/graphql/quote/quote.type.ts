import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';

@ObjectType('QuoteLine')
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
  @Field(() => Int, { nullable: true }) billingPeriod?: number | null;
}

@Directive('@key(fields: "id")')
@ObjectType('Quote', { description: 'A quote for a company; accepted quotes become Halo quotations.' })
export class QuoteType extends SyncedFields {
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => ID, { nullable: true }) opportunityId?: string | null;
  @Field(() => String) title!: string;
  @Field(() => String, { description: 'DRAFT, SENT, APPROVED or DECLINED.' }) status!: string;
  @Field(() => Int, { nullable: true }) haloQuoteStatusId?: number | null;
  @Field(() => DecimalScalar, { nullable: true }) total?: string | null;
}

export const QuoteConnection = ConnectionOf(QuoteType, 'QuoteConnection');
