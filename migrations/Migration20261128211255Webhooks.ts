import { Migration } from '@mikro-orm/migrations';

export class Migration20261128211255Webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"halo_webhook_config\" (\"tenant_id\" uuid not null, \"path_key\" text not null, \"secret_key_id\" text not null, \"secret_sealed\" text not null, \"halo_webhook_id\" text null, \"url\" text null, \"installed_at\" timestamptz null, \"last_verified_at\" timestamptz null, \"last_verification\" jsonb null, \"created_at\" timestamptz not null default current_timestamp, \"updated_at\" timestamptz not null default current_timestamp, constraint \"halo_webhook_config_pkey\" primary key (\"tenant_id\"));");
    this.addSql("alter table \"halo_webhook_config\" add constraint \"halo_webhook_config_path_key_unique\" unique (\"path_key\");");
    this.addSql("create table \"webhook_delivery\" (\"id\" uuid not null, \"tenant_id\" uuid not null, \"halo_delivery_id\" text null, \"halo_webhook_id\" text null, \"event\" text not null, \"eventno\" int null, \"entity\" text null, \"action\" text null, \"halo_object_id\" int null, \"event_at\" timestamptz null, \"received_at\" timestamptz not null default current_timestamp, \"status\" text not null default 'RECEIVED', \"outcome\" text null, \"error\" text null, \"attempts\" int not null default 0, \"next_attempt_at\" timestamptz null, \"claimed_at\" timestamptz null, \"processed_at\" timestamptz null, \"duplicate_of\" uuid null, \"body\" text not null, constraint \"webhook_delivery_pkey\" primary key (\"id\"));");
    this.addSql("create index \"webhook_delivery_status_next_attempt_at_index\" on \"webhook_delivery\" (\"status\", \"next_attempt_at\");");
    this.addSql("create index \"webhook_delivery_tenant_id_entity_halo_object_id_index\" on \"webhook_delivery\" (\"tenant_id\", \"entity\", \"halo_object_id\");");
    this.addSql("create index \"webhook_delivery_tenant_id_halo_delivery_id_index\" on \"webhook_delivery\" (\"tenant_id\", \"halo_delivery_id\");");
    this.addSql("create index \"webhook_delivery_tenant_id_received_at_index\" on \"webhook_delivery\" (\"tenant_id\", \"received_at\");");
  }
}
