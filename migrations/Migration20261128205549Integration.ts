import { Migration } from '@mikro-orm/migrations';

export class Migration20261128205549Integration extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"config_change\" (\"id\" uuid not null, \"tenant_id\" uuid not null, \"section\" text not null, \"api_key_id\" uuid null, \"before\" jsonb null, \"after\" jsonb null, \"at\" timestamptz not null default current_timestamp, constraint \"config_change_pkey\" primary key (\"id\"));");
    this.addSql("create index \"config_change_tenant_id_at_index\" on \"config_change\" (\"tenant_id\", \"at\");");
    this.addSql("create table \"halo_connection\" (\"tenant_id\" uuid not null, \"base_url\" text not null, \"halo_tenant\" text null, \"client_id\" text not null, \"secret_key_id\" text not null, \"secret_sealed\" text not null, \"status\" text not null default 'CONNECTED', \"last_checked_at\" timestamptz null, \"last_check\" jsonb not null default '[]', \"agent_id\" int null, \"agent_name\" text null, \"pipeline_stages_enabled\" boolean null, \"created_at\" timestamptz not null default current_timestamp, \"updated_at\" timestamptz not null default current_timestamp, constraint \"halo_connection_pkey\" primary key (\"tenant_id\"));");
    this.addSql("create table \"integration_settings\" (\"tenant_id\" uuid not null, \"doc\" jsonb not null, \"version\" int not null default 0, \"updated_at\" timestamptz not null default current_timestamp, constraint \"integration_settings_pkey\" primary key (\"tenant_id\"));");
  }
}
