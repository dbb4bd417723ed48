import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum HaloLookupVerdictEnum {
  VERIFIED = 'VERIFIED',
  PLAUSIBLE = 'PLAUSIBLE',
  FAILED = 'FAILED',
  UNCHECKED = 'UNCHECKED',
}
registerEnumType(HaloLookupVerdictEnum, {
  name: 'HaloLookupVerdict',
  description: 'The check of a lookup table before its rows are used.',
  valuesConfig: {
    VERIFIED: { description: 'The rows look right and agree with what Halo shows on the synced records that use them.' },
    PLAUSIBLE: { description: 'The rows look right; no synced record uses one yet to cross-check.' },
    FAILED: { description: 'No rows, rows of another kind, or rows that contradict synced records: the features using it say so instead of showing them.' },
    UNCHECKED: { description: 'Halo could not be asked.' },
  },
});

export enum HaloLookupIdSourceEnum {
  CONFIRMED = 'CONFIRMED',
  DEFAULT = 'DEFAULT',
  ADMIN = 'ADMIN',
}
registerEnumType(HaloLookupIdSourceEnum, {
  name: 'HaloLookupIdSource',
  description: 'Where the lookup id in use comes from.',
  valuesConfig: {
    CONFIRMED: { description: 'A constant confirmed by public evidence (src/halo/facts.ts).' },
    DEFAULT: { description: 'Our unconfirmed default: no source gives this id.' },
    ADMIN: { description: 'Set by an admin of this tenant (setHaloLookupIds).' },
  },
});

export enum HaloFactGradeEnum {
  CONFIRMED = 'confirmed',
  SPEC = 'spec',
  ONE_SOURCE = 'one-source',
  UNKNOWN = 'unknown',
}
registerEnumType(HaloFactGradeEnum, {
  name: 'HaloFactGrade',
  description: 'How well public evidence supports a Halo fact (HALO-API.md §9).',
  valuesConfig: {
    CONFIRMED: { description: 'Seen in code that talks to a real Halo, or in Halo’s own SQL.' },
    SPEC: { description: 'A name in Halo’s OpenAPI spec; its behaviour is not proven.' },
    ONE_SOURCE: { description: 'A single third-party source.' },
    UNKNOWN: { description: 'No source.' },
  },
});

@ObjectType('HaloLookupRow', { simpleResolvers: true, description: 'One row of a Halo lookup table, as Halo returns it.' })
export class HaloLookupRowType {
  @Field(() => Int, { description: 'The row id (what records store).' }) id!: number;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'The row’s non-empty values (value2, value3, …) in field order.' }) codes!: string[];
  @Field(() => Boolean, { nullable: true, description: 'Quote statuses only: whether the status closes the quote (value3 = "1").' }) closed!: boolean | null;
}

@ObjectType('HaloLookupVerification', { simpleResolvers: true, description: 'The result of checking a lookup table’s rows.' })
export class HaloLookupVerificationType {
  @Field(() => HaloLookupVerdictEnum) status!: HaloLookupVerdictEnum;
  @Field(() => String, { description: 'What was checked and what was found.' }) detail!: string;
}

@ObjectType('HaloLookupTable', { description: 'A Halo lookup table the integration reads, with the id in use and its check, so an admin can confirm it.' })
export class HaloLookupTableType {
  @Field(() => String, { description: 'customerType, quoteStatus, countryCode, regionCode or pipelineStage (the HaloLookupIdsInput field for the last three).' })
  key!: string;
  @Field(() => String, { description: 'The table’s name in Halo.' }) title!: string;
  @Field(() => Int, { description: 'The lookup id in use (`GET /api/Lookup?lookupid=…`).' }) lookupId!: number;
  @Field(() => HaloLookupIdSourceEnum) source!: HaloLookupIdSourceEnum;
  @Field(() => HaloFactGradeEnum, { description: 'The public evidence for this table’s id.' }) grade!: HaloFactGradeEnum;
  @Field(() => String, { description: 'The evidence for the id, or why it is unknown.' }) evidence!: string;
  @Field(() => HaloLookupVerificationType) verification!: HaloLookupVerificationType;
  @Field(() => String, { nullable: true, description: 'What to do when the id is wrong or unconfirmed; null when nothing is needed.' }) fix!: string | null;
  @Field(() => Int, { description: 'How many rows the table holds.' }) rowCount!: number;
  /** Every row; the `rows` field shows the first few. */
  allRows!: HaloLookupRowType[];
}

@InputType('HaloLookupIdsInput', { description: 'Halo lookup ids no public source gives. A field left out keeps its value; null returns it to the default.' })
export class HaloLookupIdsInput {
  @Field(() => Int, { nullable: true, description: 'Id of Halo’s Country Codes lookup table.' }) countryCode?: number | null;
  @Field(() => Int, { nullable: true, description: 'Id of Halo’s Region Codes lookup table.' }) regionCode?: number | null;
  @Field(() => Int, { nullable: true, description: 'Id of Halo’s Pipeline Stages lookup table.' }) pipelineStage?: number | null;
}
