import { registerEnumType } from 'type-graphql';
import { BILLING_PERIOD_DESCRIPTIONS, BILLING_PERIODS } from '../../common/billing-period';
import { enumOf } from './enums';

/** Halo's billing periods by name; every field and input that carries a billing period uses this enum. */
export const BillingPeriodEnum = enumOf(BILLING_PERIODS);
registerEnumType(BillingPeriodEnum, {
  name: 'BillingPeriod',
  description: 'How often a recurring product or quote line is billed: Halo’s billing periods.',
  valuesConfig: Object.fromEntries(BILLING_PERIODS.map((p) => [p, { description: BILLING_PERIOD_DESCRIPTIONS[p] }])) as never,
});
