import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** An MSP using the quoting platform. Every other row belongs to exactly one tenant. */
@Entity({ tableName: 'tenant' })
export class Tenant {
  [OptionalProps]?: 'demo' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** The MSP's own website; the Halo "primary client" must carry the same one (setup guide, step 4). */
  @Property({ type: 'text' })
  website!: string;

  @Property({ type: 'boolean', default: false })
  demo: boolean = false;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();
}

/** An API key: only its SHA-256 is stored; the key itself is shown once, at creation. */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  tenantId!: string;

  @Property({ type: 'text', unique: true })
  keyHash!: string;

  /** The key's first characters, so a person can tell keys apart in lists and history without the secret. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'text', nullable: true })
  label?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'current_timestamp' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
