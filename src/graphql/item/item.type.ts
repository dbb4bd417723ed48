import { Directive, Field, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';

@Directive('@key(fields: "id")')
@ObjectType('Item', { description: 'A product or service from the Halo item catalogue.' })
export class ItemType extends SyncedFields {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  price?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  cost?: string | null;

  @Field(() => Boolean)
  recurring!: boolean;
}

export const ItemConnection = ConnectionOf(ItemType, 'ItemConnection');
