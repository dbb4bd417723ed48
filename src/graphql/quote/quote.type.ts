import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';

@Directive('@key(fields: "id")')
@ObjectType('Quote', { description: 'A quote for a company; accepted quotes become Halo quotations.' })
export class QuoteType extends SyncedFields {
  @Field(() => ID, { nullable: true })
  companyId?: string | null;

  @Field(() => ID, { nullable: true })
  opportunityId?: string | null;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  status!: string;
}

export const QuoteConnection = ConnectionOf(QuoteType, 'QuoteConnection');
