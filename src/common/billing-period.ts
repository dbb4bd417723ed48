import type { HaloBillingPeriodName } from '../halo/facts';

/**
 * How often a recurring product or quote line is billed: Halo's billing period enum by name (HALO-API.md §9,
 * confirmed; Halo's integers live in `src/halo/facts.ts` `HALO_BILLING_PERIOD` and are used only where Halo's wire
 * is read or written). Listed shortest first, the order a person picks from.
 */
export const BILLING_PERIODS = [
  'ONE_OFF',
  'WEEKLY',
  'MONTHLY',
  'QUARTERLY',
  'SIX_MONTHLY',
  'YEARLY',
  'TWO_YEARLY',
  'THREE_YEARLY',
  'FOUR_YEARLY',
  'FIVE_YEARLY',
] as const satisfies readonly HaloBillingPeriodName[];
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

// Every Halo billing period has a name here, and no other: a compile error otherwise.
type Missing = Exclude<HaloBillingPeriodName, BillingPeriod>;
const _complete: [Missing] extends [never] ? true : Missing = true;
void _complete;

export const BILLING_PERIOD_DESCRIPTIONS: Record<BillingPeriod, string> = {
  ONE_OFF: 'Charged once; not recurring (Halo "One Off").',
  WEEKLY: 'Every week (Halo "Weekly").',
  MONTHLY: 'Every month (Halo "Monthly").',
  QUARTERLY: 'Every three months (Halo "Quarterly").',
  SIX_MONTHLY: 'Every six months (Halo "6-Monthly").',
  YEARLY: 'Every year (Halo "Yearly").',
  TWO_YEARLY: 'Every two years (Halo "2-Yearly").',
  THREE_YEARLY: 'Every three years (Halo "3-Yearly").',
  FOUR_YEARLY: 'Every four years (Halo "4-Yearly").',
  FIVE_YEARLY: 'Every five years (Halo "5-Yearly").',
};

export const isBillingPeriod = (v: unknown): v is BillingPeriod => typeof v === 'string' && (BILLING_PERIODS as readonly string[]).includes(v);

/** A period a recurring product or line can bill on: any but ONE_OFF. */
export const RECURRING_BILLING_PERIODS = BILLING_PERIODS.filter((p) => p !== 'ONE_OFF');
export const isRecurringPeriod = (v: unknown): v is BillingPeriod => isBillingPeriod(v) && v !== 'ONE_OFF';
