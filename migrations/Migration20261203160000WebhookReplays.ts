import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook replays (issue 14): one row per Halo delivery id and tenant, counters of replays and refusals, and no
 * database statement (with its row values) left in a stored error message.
 */
export class Migration20261203160000WebhookReplays extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table \"halo_webhook_config\" add column \"replayed_deliveries\" int not null default 0, add column \"refused_deliveries\" int not null default 0, add column \"last_refused_at\" timestamptz null, add column \"last_refusal\" text null;");
    // Earlier versions stored every replay as a DUPLICATE row: they go (nothing points at them), and counted.
    this.addSql(`with later as (
        select d.id, d.tenant_id from webhook_delivery d
         where d.halo_delivery_id is not null
           and exists (select 1 from webhook_delivery o where o.tenant_id = d.tenant_id and o.halo_delivery_id = d.halo_delivery_id
                          and (o.received_at, o.id) < (d.received_at, d.id))),
      gone as (delete from webhook_delivery w using later where w.id = later.id and w.status = 'DUPLICATE' returning w.tenant_id)
      update halo_webhook_config c set replayed_deliveries = c.replayed_deliveries + n.count
        from (select tenant_id, count(*)::int as count from gone group by tenant_id) n where n.tenant_id = c.tenant_id;`);
    // A copy two racing receipts both stored keeps its row and outcome, without the id the first one holds.
    this.addSql(`update webhook_delivery d set halo_delivery_id = null
      where d.halo_delivery_id is not null
        and exists (select 1 from webhook_delivery o where o.tenant_id = d.tenant_id and o.halo_delivery_id = d.halo_delivery_id
                       and (o.received_at, o.id) < (d.received_at, d.id));`);
    this.addSql("drop index \"webhook_delivery_tenant_id_halo_delivery_id_index\";");
    this.addSql("alter table \"webhook_delivery\" add constraint \"webhook_delivery_tenant_id_halo_delivery_id_unique\" unique (\"tenant_id\", \"halo_delivery_id\");");
    // Driver messages (the whole statement with its row values) stored as errors before they were classified.
    const statement = `'^\\s*(insert|update|select|delete|with)\\s.* - '`;
    const generic = `'The record could not be saved: the database refused it (code DATABASE_ERROR)'`;
    this.addSql(`update webhook_delivery set error = ${generic} where error ~* ${statement};`);
    this.addSql(`update sync_record_error set message = ${generic}, code = 'DATABASE_ERROR' where message ~* ${statement};`);
    this.addSql(`update sync_run set error = ${generic} where error ~* ${statement};`);
  }
}
