import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { SyncedRecord } from './synced';

@Entity({ tableName: 'company' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'name'] })
export class Company extends SyncedRecord {
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  website?: string | null;

  /** Halo "account"/prospect rather than a customer. */
  @Property({ type: 'boolean', default: false })
  isProspect: boolean = false;

  @Property({ type: 'boolean', default: false })
  inactive: boolean = false;
}

@Entity({ tableName: 'contact' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
export class Contact extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  email?: string | null;

  @Property({ type: 'text', nullable: true })
  phone?: string | null;

  @Property({ type: 'boolean', default: false })
  inactive: boolean = false;
}

@Entity({ tableName: 'item' })
@Unique({ properties: ['tenantId', 'haloId'] })
export class Item extends SyncedRecord {
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  /** Money as exact decimal strings: never binary floating point. */
  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  price?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  cost?: string | null;

  @Property({ type: 'boolean', default: false })
  recurring: boolean = false;
}

@Entity({ tableName: 'opportunity' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
export class Opportunity extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text', nullable: true })
  status?: string | null;

  @Property({ type: 'decimal', precision: 18, scale: 4, nullable: true })
  value?: string | null;
}

@Entity({ tableName: 'quote' })
@Unique({ properties: ['tenantId', 'haloId'] })
@Index({ properties: ['tenantId', 'companyId'] })
export class Quote extends SyncedRecord {
  @Property({ type: 'uuid', nullable: true })
  companyId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  opportunityId?: string | null;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text', default: 'DRAFT' })
  status: string = 'DRAFT';
}
