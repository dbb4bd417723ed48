import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookDeliveryStatusEnum {
  RECEIVED = 'RECEIVED',
  PROCESSING = 'PROCESSING',
  PROCESSED = 'PROCESSED',
  FAILED = 'FAILED',
  DUPLICATE = 'DUPLICATE',
  STALE = 'STALE',
  IGNORED = 'IGNORED',
}
registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description:
    'RECEIVED: stored, waiting; PROCESSING: being applied; PROCESSED: record refetched and applied (see outcome); FAILED: gave up (see error; retryable); DUPLICATE: the same delivery or change came before; STALE: a newer event for the record was already applied; IGNORED: not something we sync.',
});

@ObjectType('HaloWebhookIssue', { simpleResolvers: true, description: 'Something about our Halo webhook that differs from what should be there.' })
export class HaloWebhookIssueType {
  @Field(() => String, { description: 'NO_PUBLIC_URL, NOT_INSTALLED, MISSING, DISABLED, WRONG_URL, WRONG_AUTH, MISSING_SUBSCRIPTION, DUPLICATE_WEBHOOK, DUPLICATE_SUBSCRIPTION or DELIVERY_FAILURES' })
  code!: string;
  @Field(() => String) message!: string;
}

@ObjectType('HaloWebhookSubscription', { simpleResolvers: true, description: 'One Halo event our webhook should be subscribed to.' })
export class HaloWebhookSubscriptionType {
  @Field(() => String, { description: 'companies, products, opportunities or contacts (the setup guide’s groups)' }) group!: string;
  @Field(() => Int) eventno!: number;
  @Field(() => String) event!: string;
  @Field(() => Boolean) installed!: boolean;
}

@ObjectType('HaloWebhookInfo', { simpleResolvers: true })
export class HaloWebhookInfoType {
  @Field(() => String, { description: 'Halo’s id (a GUID).' }) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => Boolean) active!: boolean;
  @Field(() => Boolean) disabled!: boolean;
}

@ObjectType('HaloWebhooks', { simpleResolvers: true, description: 'Our webhook in Halo compared with what should be there.' })
export class HaloWebhooksType {
  @Field(() => Boolean, { description: 'Installed, active, pointing at us, subscribed to every event, deliveries succeeding.' }) ok!: boolean;
  @Field(() => Boolean) installed!: boolean;
  @Field(() => String, { nullable: true, description: 'Where Halo should send deliveries.' }) expectedUrl!: string | null;
  @Field(() => HaloWebhookInfoType, { nullable: true }) webhook!: HaloWebhookInfoType | null;
  @Field(() => [HaloWebhookSubscriptionType]) subscriptions!: HaloWebhookSubscriptionType[];
  @Field(() => [HaloWebhookIssueType]) issues!: HaloWebhookIssueType[];
  @Field(() => Int, { description: 'Failed deliveries in Halo’s delivery log over the last 24 hours.' }) recentFailures!: number;
  @Field(() => [String], { description: 'What install/repair changed in Halo; empty when nothing needed changing.' }) changes!: string[];
  @Field(() => [String], { description: 'Changes that reach us in seconds through the webhooks.' }) realtime!: string[];
  @Field(() => [String], { description: 'Changes only the scheduled sync picks up, with its schedule.' }) polled!: string[];
  @Field(() => Date) checkedAt!: Date;
}

@ObjectType('HaloWebhookDelivery', { simpleResolvers: true, description: 'One event Halo delivered to us, and what became of it.' })
export class HaloWebhookDeliveryType {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Halo’s id for the delivery (repeated deliveries share it).' }) haloDeliveryId!: string | null;
  @Field(() => String, { description: 'The event name as Halo sent it.' }) event!: string;
  @Field(() => Int, { nullable: true }) eventno!: number | null;
  @Field(() => String, { nullable: true, description: 'The synced entity it concerns; null when not handled.' }) entity!: string | null;
  @Field(() => String, { nullable: true, description: 'created, updated or deleted' }) action!: string | null;
  @Field(() => Int, { nullable: true }) haloObjectId!: number | null;
  @Field(() => Date, { nullable: true, description: 'When Halo raised the event.' }) eventAt!: Date | null;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Date, { nullable: true }) processedAt!: Date | null;
  @Field(() => WebhookDeliveryStatusEnum) status!: WebhookDeliveryStatusEnum;
  @Field(() => String, { nullable: true, description: 'PROCESSED: WRITTEN, UNCHANGED, DELETED or NOT_FOUND.' }) outcome!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it failed, or why it was ignored.' }) error!: string | null;
  @Field(() => Int) attempts!: number;
  @Field(() => ID, { nullable: true, description: 'DUPLICATE/STALE: the delivery that covered it.' }) duplicateOf!: string | null;
}
