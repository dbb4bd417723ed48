import { Migration } from '@mikro-orm/migrations';

/**
 * Contacts are people: the sync now lists Halo's users with `exclude_generaluser=true`. Earlier versions stored each
 * client's "General User" placeholder as a contact. Forgetting the contacts cursor makes the next run of any kind
 * list every contact without a date filter, which is a full pass: whatever it no longer lists (the General Users)
 * is marked deleted, so hidden unless `includeDeleted` (never removed: opportunities and quotes may point at it).
 */
export class Migration20261203120000ContactsWithoutGeneralUsers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`delete from "sync_cursor" where "entity" = 'contacts';`);
  }
}
