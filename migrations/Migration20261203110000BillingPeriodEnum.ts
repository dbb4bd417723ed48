import { Migration } from '@mikro-orm/migrations';

/**
 * Billing periods are stored by name (ONE_OFF, WEEKLY, MONTHLY, …: `src/common/billing-period.ts`), no longer as a
 * number of months. Names, not Halo's integers, because the column is read by people and by the compiled GraphQL
 * read path, which serves an enum column only when the stored text is the enum's value; Halo's integers stay at the
 * wire (`src/halo/facts.ts`). A check constraint keeps anything else out (MikroORM's enum form, so the entity diff
 * reads it back as the entity's `@Enum`).
 *
 * What the old integers meant depends on where the row came from:
 * - rows made here (origin LOCAL: products, lines of quotes built here) held months: 0 one-off, 1, 3, 6, 12;
 * - rows synced from Halo (origin HALO) held Halo's own integer, copied unchanged by the old mappers: that is
 *   Halo's enum (HALO-API.md §9), so it is decoded as such; their content hashes are cleared so the next sync
 *   rewrites them from Halo regardless.
 * Any other value becomes null.
 */
const MONTHS = `case billing_period when 0 then 'ONE_OFF' when 1 then 'MONTHLY' when 3 then 'QUARTERLY' when 6 then 'SIX_MONTHLY' when 12 then 'YEARLY' end`;
const HALO_ENUM = `case billing_period when 0 then 'ONE_OFF' when 1 then 'WEEKLY' when 2 then 'MONTHLY' when 3 then 'YEARLY' when 4 then 'QUARTERLY' when 5 then 'SIX_MONTHLY' when 6 then 'FIVE_YEARLY' when 7 then 'THREE_YEARLY' when 8 then 'TWO_YEARLY' when 9 then 'FOUR_YEARLY' end`;
const NAMES = `'ONE_OFF', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'SIX_MONTHLY', 'YEARLY', 'TWO_YEARLY', 'THREE_YEARLY', 'FOUR_YEARLY', 'FIVE_YEARLY'`;

export class Migration20261203110000BillingPeriodEnum extends Migration {
  override async up(): Promise<void> {
    for (const table of ['item', 'quote_line']) {
      this.addSql(`alter table "${table}" alter column "billing_period" type text using (case when origin = 'LOCAL' then ${MONTHS} else ${HALO_ENUM} end);`);
      this.addSql(`alter table "${table}" add constraint "${table}_billing_period_check" check ("billing_period" in (${NAMES}));`);
      this.addSql(`update "${table}" set content_hash = null where origin = 'HALO';`);
    }
    // Synced quotations rewrite their lines only when their own content changed.
    this.addSql(`update "quote" set content_hash = null where origin = 'HALO';`);
  }

  override async down(): Promise<void> {
    for (const table of ['item', 'quote_line']) {
      this.addSql(`alter table "${table}" drop constraint "${table}_billing_period_check";`);
      this.addSql(
        `alter table "${table}" alter column "billing_period" type int using (case billing_period when 'ONE_OFF' then 0 when 'MONTHLY' then 1 when 'QUARTERLY' then 3 when 'SIX_MONTHLY' then 6 when 'YEARLY' then 12 end);`,
      );
    }
  }
}
