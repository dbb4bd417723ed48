import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('SyncConflict', { simpleResolvers: true, description: 'A field changed both here and in Halo since the last sync, and how the stated rule resolved it.' })
export class SyncConflictType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'The kind of record, e.g. opportunity.' }) entity!: string;
  @Field(() => ID) recordId!: string;
  @Field(() => String) field!: string;
  @Field(() => String, { nullable: true, description: 'Our value, as JSON.' }) localValue?: string | null;
  @Field(() => String, { nullable: true, description: 'Halo’s value, as JSON.' }) haloValue?: string | null;
  @Field(() => String, { description: 'LOCAL or HALO: whose value the record kept.' }) winner!: string;
  @Field(() => String, { description: 'The rule that decided, e.g. LATEST_EDIT_WINS.' }) rule!: string;
  @Field(() => Date) at!: Date;
}
