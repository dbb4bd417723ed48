import { Migration } from '@mikro-orm/migrations';

/**
 * Trigram indexes for the lists' `search` (case-insensitive substring, `ilike '%…%'`): without them every search
 * reads all of a table's rows. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension (PG 13+), so the
 * database owner may create it; both the machine's PostgreSQL 15 and the embedded PostgreSQL 18 have it.
 * The trigram index names are in `MANUAL_INDEXES` (src/db/schema-diff.ts): entities do not describe them. The
 * (tenant, sort column) ones are declared on the entities.
 */
export class Migration20261203140000SearchIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('create extension if not exists pg_trgm;');
    this.addSql('create index if not exists "company_name_trgm" on "company" using gin ("name" gin_trgm_ops);');
    this.addSql('create index if not exists "contact_name_trgm" on "contact" using gin ("name" gin_trgm_ops);');
    this.addSql('create index if not exists "contact_email_trgm" on "contact" using gin ("email" gin_trgm_ops);');
    this.addSql('create index if not exists "item_name_trgm" on "item" using gin ("name" gin_trgm_ops);');
    this.addSql('create index if not exists "item_sku_trgm" on "item" using gin ("sku" gin_trgm_ops);');
    this.addSql('create index if not exists "opportunity_title_trgm" on "opportunity" using gin ("title" gin_trgm_ops);');
    // The lists page in their sort order within a tenant (companies already had theirs).
    this.addSql('create index "contact_tenant_id_name_index" on "contact" ("tenant_id", "name");');
    this.addSql('create index "item_tenant_id_name_index" on "item" ("tenant_id", "name");');
    this.addSql('create index "opportunity_tenant_id_title_index" on "opportunity" ("tenant_id", "title");');
  }
}
