import { Field, ID, InputType, Int } from 'type-graphql';
import { DecimalScalar } from '../common/scalars';

@InputType({ description: 'A new opportunity; pushed to Halo as a ticket of the mapped opportunity type.' })
export class CreateOpportunityInput {
  @Field(() => ID, { description: 'A company that is in Halo.' })
  companyId!: string;

  @Field(() => ID, { nullable: true, description: 'A contact of that company.' })
  contactId?: string | null;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true, description: 'OPEN (default), WON or LOST; sent as the mapped Halo status.' })
  status?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  value?: string | null;

  @Field(() => Int, { nullable: true, description: 'The Halo agent who owns it.' })
  ownerAgentId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Halo opportunity type; defaults to the mapping’s default type.' })
  haloTypeId?: number | null;
}

@InputType({ description: 'Changes to an opportunity: omitted fields stay; null clears contact, value and owner.' })
export class UpdateOpportunityInput {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  contactId?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'OPEN, WON or LOST.' })
  status?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  value?: string | null;

  @Field(() => Int, { nullable: true })
  ownerAgentId?: number | null;

  @Field(() => Int, { nullable: true })
  haloTypeId?: number | null;
}
