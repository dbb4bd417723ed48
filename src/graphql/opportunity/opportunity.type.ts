import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';

@Directive('@key(fields: "id")')
@ObjectType('Opportunity', { description: 'A sales opportunity: a Halo ticket of an opportunity type.' })
export class OpportunityType extends SyncedFields {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  status?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  value?: string | null;
}

export const OpportunityConnection = ConnectionOf(OpportunityType, 'OpportunityConnection');
