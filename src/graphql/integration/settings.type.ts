import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { enumOf } from '../common/enums';
import { HALO_ADDRESS_LINES, OPPORTUNITY_STATUSES, PRODUCT_TYPES, QUOTE_STATUSES } from '../../integration/settings';
import { listLimitNote } from '../../integration/validate';


export const ProductTypeEnum = enumOf(PRODUCT_TYPES);
registerEnumType(ProductTypeEnum, { name: 'ProductType' });
export const OpportunityStatusEnum = enumOf(OPPORTUNITY_STATUSES);
registerEnumType(OpportunityStatusEnum, { name: 'OpportunityStatus' });
export const QuoteStatusEnum = enumOf(QUOTE_STATUSES);
registerEnumType(QuoteStatusEnum, { name: 'QuoteStatus' });
export const HaloAddressLineEnum = enumOf(HALO_ADDRESS_LINES);
registerEnumType(HaloAddressLineEnum, { name: 'HaloAddressLine', description: 'A Halo address line (line1–line4) or the postcode.' });

type ProductType = keyof typeof ProductTypeEnum;
type OpportunityStatus = keyof typeof OpportunityStatusEnum;
type QuoteStatus = keyof typeof QuoteStatusEnum;
type HaloAddressLine = keyof typeof HaloAddressLineEnum;

@ObjectType('PrimaryClient', { simpleResolvers: true })
export class PrimaryClientType {
  @Field(() => Int) haloClientId!: number;
  @Field(() => String) name!: string;
  @Field(() => String) website!: string;
}

@ObjectType('ProductGroupMapping', { simpleResolvers: true })
@InputType('ProductGroupMappingInput')
export class ProductGroupMappingType {
  @Field(() => Int) haloGroupId!: number;
  @Field(() => ProductTypeEnum) productType!: ProductType;
}

@ObjectType('OpportunityStatusToHalo', { simpleResolvers: true })
@InputType('OpportunityStatusToHaloInput')
export class StatusToHalo {
  @Field(() => OpportunityStatusEnum) status!: OpportunityStatus;
  @Field(() => Int) haloStatusId!: number;
}

@ObjectType('OpportunityStatusFromHalo', { simpleResolvers: true })
@InputType('OpportunityStatusFromHaloInput')
export class StatusFromHalo {
  @Field(() => Int) haloStatusId!: number;
  @Field(() => OpportunityStatusEnum) status!: OpportunityStatus;
}

@ObjectType('OpportunityMapping', { simpleResolvers: true })
@InputType('OpportunityMappingInput')
export class OpportunityMappingType {
  @Field(() => Int, { description: 'Halo ticket type for opportunities created here.' }) defaultTypeId!: number;
  @Field(() => [Int], { description: `Halo opportunity types to import ${listLimitNote('importTypeIds')}.` }) importTypeIds!: number[];
  @Field(() => [StatusToHalo], { description: `Our status → the Halo status we set, each of ours exactly once ${listLimitNote('toHalo')}.` }) toHalo!: StatusToHalo[];
  @Field(() => [StatusFromHalo], { description: `Halo status → ours, each Halo status at most once ${listLimitNote('fromHalo')}.` }) fromHalo!: StatusFromHalo[];
}

@ObjectType('AddressMapping', {
  simpleResolvers: true,
  description: 'Which Halo address line each of our address fields is stored in; a field omitted or null is not read. Country and region have their own Halo fields.',
})
@InputType('AddressMappingInput')
export class AddressMappingType {
  @Field(() => HaloAddressLineEnum, { nullable: true }) street!: HaloAddressLine | null;
  @Field(() => HaloAddressLineEnum, { nullable: true }) street2!: HaloAddressLine | null;
  @Field(() => HaloAddressLineEnum, { nullable: true }) city!: HaloAddressLine | null;
  @Field(() => HaloAddressLineEnum, { nullable: true }) state!: HaloAddressLine | null;
  @Field(() => HaloAddressLineEnum, { nullable: true }) postalCode!: HaloAddressLine | null;
}

@ObjectType('CompanyImportSettings', { simpleResolvers: true })
@InputType('CompanyImportInput')
export class CompanyImportType {
  @Field(() => Int, { nullable: true, description: 'Halo customer type that marks accounts/prospects; omitted or null: none (only Halo’s own account flag counts).' })
  prospectTypeId!: number | null;
  @Field(() => AddressMappingType) address!: AddressMappingType;
}

@ObjectType('QuoteStatusMapping', { simpleResolvers: true })
@InputType('QuoteStatusMappingInput')
export class QuoteStatusMappingType {
  @Field(() => QuoteStatusEnum) status!: QuoteStatus;
  @Field(() => Int) haloQuoteStatusId!: number;
  @Field(() => Int, { nullable: true, description: 'Ticket status the linked opportunity moves to; omitted or null: none.' }) haloOpportunityStatusId!: number | null;
  @Field(() => Int, { nullable: true, description: 'Pipeline stage the linked opportunity moves to; omitted or null: none.' }) haloPipelineStageId!: number | null;
}

@ObjectType('ProductDefaults', { simpleResolvers: true })
export class ProductDefaultsType {
  @Field(() => Int, { nullable: true, description: 'Halo item used for shipping lines; null: none set.' }) shippingItemId!: number | null;
  @Field(() => Int, { nullable: true, description: 'Halo product group for products sent without a mapping; null: none set.' }) defaultGroupId!: number | null;
}

@InputType('ProductDefaultsInput', { description: 'Set field by field: an omitted field keeps its current value, null clears it.' })
export class ProductDefaultsInputType {
  @Field(() => Int, { nullable: true, description: 'Halo item used for shipping lines (haloLookups.items); omitted: unchanged; null: clear.' })
  shippingItemId?: number | null;
  @Field(() => Int, { nullable: true, description: 'Halo product group for products sent without a mapping (haloLookups.productGroups); omitted: unchanged; null: clear.' })
  defaultGroupId?: number | null;
}

@ObjectType('GroupAccountCode', { simpleResolvers: true })
@InputType('GroupAccountCodeInput')
export class GroupAccountCodeType {
  @Field(() => Int) haloGroupId!: number;
  @Field(() => String) code!: string;
}

@ObjectType('ItemAccountCode', { simpleResolvers: true })
@InputType('ItemAccountCodeInput')
export class ItemAccountCodeType {
  @Field(() => Int) haloItemId!: number;
  @Field(() => String) code!: string;
}

@ObjectType('AccountCodes', { simpleResolvers: true, description: 'Account (nominal) codes: per product group, overridden per product.' })
@InputType('AccountCodesInput')
export class AccountCodesType {
  @Field(() => [GroupAccountCodeType], { description: `Codes per product group ${listLimitNote('accountCodeGroups')}.` }) groups!: GroupAccountCodeType[];
  @Field(() => [ItemAccountCodeType], { description: `Codes per Halo item, overriding its group’s ${listLimitNote('accountCodeItems')}.` }) items!: ItemAccountCodeType[];
}

@ObjectType('HaloLookupIdSettings', { simpleResolvers: true, description: 'Halo lookup ids an admin confirmed; null means our unconfirmed default is in use (see haloLookupTables).' })
export class HaloLookupIdSettingsType {
  @Field(() => Int, { nullable: true, description: 'Country Codes lookup id.' }) countryCode!: number | null;
  @Field(() => Int, { nullable: true, description: 'Region Codes lookup id.' }) regionCode!: number | null;
  @Field(() => Int, { nullable: true, description: 'Pipeline Stages lookup id.' }) pipelineStage!: number | null;
}

@ObjectType('IntegrationSettings', { simpleResolvers: true })
export class IntegrationSettingsType {
  @Field(() => PrimaryClientType, { nullable: true }) primaryClient!: PrimaryClientType | null;
  @Field(() => [ProductGroupMappingType]) productGroups!: ProductGroupMappingType[];
  @Field(() => OpportunityMappingType, { nullable: true }) opportunities!: OpportunityMappingType | null;
  @Field(() => CompanyImportType, { nullable: true }) companies!: CompanyImportType | null;
  @Field(() => [QuoteStatusMappingType]) quoteStatuses!: QuoteStatusMappingType[];
  @Field(() => ProductDefaultsType) productDefaults!: ProductDefaultsType;
  @Field(() => AccountCodesType) accountCodes!: AccountCodesType;
  @Field(() => HaloLookupIdSettingsType, { description: 'Lookup ids set by an admin (setHaloLookupIds).' }) lookupIds!: HaloLookupIdSettingsType;
}

@ObjectType('ResolvedAccountCode', { simpleResolvers: true })
export class ResolvedAccountCodeType {
  @Field(() => String) code!: string;
  @Field(() => String, { description: '"product" (the item’s own override) or "group" (its product group’s code).' }) source!: string;
}

@ObjectType('ConfigChange', { simpleResolvers: true, description: 'One change to the integration configuration.' })
export class ConfigChangeType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'connection, primaryClient, productGroups, opportunities, companies, quoteStatuses, productDefaults, accountCodes, lookupIds or haloQuoteLineFields' })
  section!: string;
  @Field(() => Date) at!: Date;
  @Field(() => ID, { nullable: true, description: 'The API key that made the change.' }) apiKeyId!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON of the section before.' }) before!: string | null;
  @Field(() => String, { nullable: true, description: 'JSON of the section after.' }) after!: string | null;
}
