import { Migration } from '@mikro-orm/migrations';

/**
 * The Halo values a mapping decision reads, kept on the rows (issue 14 item 6), so a changed mapping is re-applied to
 * stored records without asking Halo. Rows synced before have null here until their next sync.
 */
export class Migration20261203150000MappingInputs extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "company" add column "halo_is_account" boolean null;');
    this.addSql('alter table "product_group" add column "halo_account_code" text null;');
    this.addSql('alter table "quote" add column "halo_status_name" text null;');
    this.addSql('alter table "site" add column "halo_address" jsonb null;');
  }
}
