import { Migration } from '@mikro-orm/migrations';

export class Migration20261203100000WebhookCoverage extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"halo_webhook_subscription\" (\"tenant_id\" uuid not null, \"notification_id\" int not null, \"eventno\" int null, \"name\" text not null default '', \"resource\" text null, \"action\" text null, \"classified_by\" text null, \"first_delivery_at\" timestamptz null, \"updated_at\" timestamptz not null default current_timestamp, constraint \"halo_webhook_subscription_pkey\" primary key (\"tenant_id\", \"notification_id\"));");
    this.addSql("alter table \"halo_webhook_config\" add column \"told_events\" jsonb null, add column \"last_coverage\" jsonb null;");
    this.addSql("create index \"webhook_delivery_tenant_id_entity_action_received_at_index\" on \"webhook_delivery\" (\"tenant_id\", \"entity\", \"action\", \"received_at\");");
  }
}
