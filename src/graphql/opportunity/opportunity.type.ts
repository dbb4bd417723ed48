import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';
import { DecimalScalar } from '../common/scalars';

@Directive('@key(fields: "id")')
@ObjectType('Opportunity', { simpleResolvers: true, description: 'A sales opportunity: a Halo ticket of an opportunity type.' })
export class OpportunityType extends SyncedFields {
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => ID, { nullable: true }) contactId?: string | null;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true, description: 'OPEN, WON or LOST through the status mapping; null while the Halo status is unmapped.' })
  status?: string | null;
  @Field(() => Int, { nullable: true }) haloStatusId?: number | null;
  @Field(() => String, { nullable: true }) haloStatusName?: string | null;
  @Field(() => Int, { nullable: true, description: 'The Halo opportunity (ticket) type.' }) haloTypeId?: number | null;
  @Field(() => Int, { nullable: true }) pipelineStageId?: number | null;
  @Field(() => String, { nullable: true }) pipelineStageName?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) value?: string | null;
  @Field(() => Int, { nullable: true }) ownerAgentId?: number | null;
  @Field(() => String, { nullable: true }) ownerName?: string | null;
}

export const OpportunityConnection = ConnectionOf(OpportunityType, 'OpportunityConnection');
