import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SyncedFields } from '../common/sync-fields';
import { ConnectionOf } from '../common/connection';

@Directive('@key(fields: "id")')
@ObjectType('Company', { simpleResolvers: true, description: 'A customer or prospect of the MSP: a Halo client.' })
export class CompanyType extends SyncedFields {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  website?: string | null;

  @Field(() => Boolean, { description: 'A Halo account/prospect rather than a customer.' })
  isProspect!: boolean;

  @Field(() => Boolean)
  inactive!: boolean;

  @Field(() => String, { nullable: true, description: 'The accounts system id Halo holds for it.' })
  accountsId?: string | null;
}

@ObjectType('Site', { simpleResolvers: true, description: 'A Halo site (address) of a company; address lines mapped per the address mapping.' })
export class SiteType extends SyncedFields {
  @Field(() => ID, { nullable: true }) companyId?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) street?: string | null;
  @Field(() => String, { nullable: true }) street2?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) state?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166 alpha-2.' }) countryCode?: string | null;
  @Field(() => String, { nullable: true }) countryName?: string | null;
  @Field(() => String, { nullable: true }) regionName?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => Int, { nullable: true }) haloCompanyId?: number | null;
}

export const CompanyConnection = ConnectionOf(CompanyType, 'CompanyConnection');
