import { Arg, Ctx, Field, ID, InputType, Int, Mutation, Resolver, registerEnumType } from 'type-graphql';
import { QuoteService } from '../../quotes/quote.service';
import type { GraphQLContext } from '../context';
import { guard } from '../integration/errors';
import { DecimalScalar } from '../common/scalars';
import { BillingPeriodEnum } from '../common/billing-period';
import type { BillingPeriod } from '../../common/billing-period';
import { QuoteType } from './quote.type';

export enum QuoteStatusInput {
  DRAFT = 'DRAFT',
  SENT = 'SENT',
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
}
registerEnumType(QuoteStatusInput, { name: 'QuoteStatusChange' });

@InputType()
class QuoteLineInput {
  @Field(() => ID, { nullable: true, description: 'A synced item; or leave out and give productName for a custom product.' })
  itemId?: string | null;
  @Field(() => String, { nullable: true }) productName?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Defaults to the item’s price.' }) unitPrice?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) unitCost?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Defaults to the item’s recurring flag.' }) recurring?: boolean | null;
  @Field(() => BillingPeriodEnum, { nullable: true, description: 'For a recurring line: how often it is billed (not ONE_OFF). Defaults to the item’s billing period.' }) billingPeriod?: BillingPeriod | null;
  @Field(() => String, { nullable: true, description: 'Lines with the same bundle name form one bundle.' }) bundle?: string | null;
}

@InputType()
class QuoteInput {
  @Field(() => ID) companyId!: string;
  @Field(() => ID, { nullable: true }) opportunityId?: string | null;
  @Field(() => ID, { nullable: true }) contactId?: string | null;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) validUntil?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) shippingCharge?: string | null;
  @Field(() => [QuoteLineInput]) lines!: QuoteLineInput[];
}

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));

@Resolver()
export class QuoteMutations {
  private service(ctx: GraphQLContext) {
    return new QuoteService(ctx.services.outbox, ctx.services.settings);
  }

  @Mutation(() => QuoteType, { description: 'A new Draft quote for a company.' })
  createQuote(@Arg('input', () => QuoteInput) input: QuoteInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', () => this.service(ctx).create(ctx.em, ctx.tenantId, plain(input)));
  }

  @Mutation(() => QuoteType, { description: 'Replaces the quote’s header and lines (Draft, Sent or Declined quotes made here).' })
  updateQuote(@Arg('id', () => ID) id: string, @Arg('input', () => QuoteInput) input: QuoteInput, @Ctx() ctx: GraphQLContext) {
    return guard('input', () => this.service(ctx).update(ctx.em, ctx.tenantId, id, plain(input)));
  }

  @Mutation(() => QuoteType, { description: 'Draft → Sent → Approved (accepted: becomes a Halo quotation) or Declined. The linked Halo opportunity follows the quote status mapping.' })
  setQuoteStatus(@Arg('id', () => ID) id: string, @Arg('status', () => QuoteStatusInput) status: QuoteStatusInput, @Ctx() ctx: GraphQLContext) {
    return guard('', () => this.service(ctx).setStatus(ctx.em, ctx.tenantId, id, status));
  }
}
