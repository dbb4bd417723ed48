import { Migration } from '@mikro-orm/migrations';

export class Migration20261128211553Push extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table \"outbox\" (\"id\" uuid not null, \"seq\" bigserial, \"tenant_id\" uuid not null, \"kind\" text not null, \"target_id\" uuid not null, \"payload\" jsonb null, \"state\" text not null default 'PENDING', \"attempts\" int not null default 0, \"next_attempt_at\" timestamptz not null default current_timestamp, \"locked_until\" timestamptz null, \"outcome_unknown\" boolean not null default false, \"last_error_code\" text null, \"last_error\" text null, \"halo_id\" int null, \"created_at\" timestamptz not null default current_timestamp, \"updated_at\" timestamptz not null default current_timestamp, \"done_at\" timestamptz null, constraint \"outbox_pkey\" primary key (\"id\"));");
    this.addSql("alter table \"outbox\" add constraint \"outbox_seq_unique\" unique (\"seq\");");
    this.addSql("create index \"outbox_tenant_id_target_id_created_at_index\" on \"outbox\" (\"tenant_id\", \"target_id\", \"created_at\");");
    this.addSql("create index \"outbox_state_next_attempt_at_index\" on \"outbox\" (\"state\", \"next_attempt_at\");");
    this.addSql("create table \"quote_bundle\" (\"id\" uuid not null, \"tenant_id\" uuid not null, \"quote_id\" uuid not null, \"name\" text not null, \"position\" int not null, constraint \"quote_bundle_pkey\" primary key (\"id\"));");
    this.addSql("create index \"quote_bundle_tenant_id_quote_id_index\" on \"quote_bundle\" (\"tenant_id\", \"quote_id\");");
    this.addSql("create table \"sync_conflict\" (\"id\" uuid not null, \"tenant_id\" uuid not null, \"entity\" text not null, \"record_id\" uuid not null, \"field\" text not null, \"local_value\" jsonb null, \"halo_value\" jsonb null, \"winner\" text not null, \"rule\" text not null, \"at\" timestamptz not null default current_timestamp, constraint \"sync_conflict_pkey\" primary key (\"id\"));");
    this.addSql("create index \"sync_conflict_tenant_id_at_index\" on \"sync_conflict\" (\"tenant_id\", \"at\");");
    this.addSql("alter table \"company\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null;");
    this.addSql("alter table \"contact\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null;");
    this.addSql("alter table \"item\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null, add column \"account_code_override\" text null;");
    this.addSql("alter table \"opportunity\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null, add column \"pending_changes\" jsonb not null default '{}', add column \"halo_values\" jsonb null;");
    this.addSql("alter table \"product_group\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null;");
    this.addSql("alter table \"quote\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null, add column \"contact_id\" uuid null, add column \"halo_contact_id\" int null, add column \"reference\" text null, add column \"shipping_charge\" numeric(18,4) null, add column \"valid_until\" date null, add column \"sales_order_halo_id\" int null;");
    this.addSql("alter table \"quote_line\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null, add column \"bundle_id\" uuid null;");
    this.addSql("alter table \"site\" add column \"origin\" text not null default 'HALO', add column \"push_state\" text null, add column \"push_error\" text null, add column \"pushed_at\" timestamptz null;");
  }
}
