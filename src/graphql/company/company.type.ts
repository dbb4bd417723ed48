import { Directive, Field, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';

@Directive('@key(fields: "id")')
@ObjectType('Company', { description: 'A customer or prospect of the MSP: a Halo client.' })
export class CompanyType extends SyncedFields {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  website?: string | null;

  @Field(() => Boolean, { description: 'A Halo account/prospect rather than a customer.' })
  isProspect!: boolean;

  @Field(() => Boolean)
  inactive!: boolean;
}

export const CompanyConnection = ConnectionOf(CompanyType, 'CompanyConnection');
