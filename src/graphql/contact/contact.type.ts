import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';

@Directive('@key(fields: "id")')
@ObjectType('Contact', { simpleResolvers: true, description: 'A person at a company: a Halo user or prospect.' })
export class ContactType extends SyncedFields {
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) firstName?: string | null;
  @Field(() => String, { nullable: true }) lastName?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) mobile?: string | null;
  @Field(() => Boolean) isProspect!: boolean;
  @Field(() => Boolean) inactive!: boolean;
}

export const ContactConnection = ConnectionOf(ContactType, 'ContactConnection');
