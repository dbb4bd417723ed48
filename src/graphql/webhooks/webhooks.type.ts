import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

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
    'RECEIVED: stored, waiting; PROCESSING: being applied; PROCESSED: record refetched and applied (see outcome); FAILED: gave up (see error; retryable); DUPLICATE: the same change came in another delivery (a delivery Halo sends again is not stored twice: see HaloWebhooks.receipt); STALE: a newer event for the record was already applied; IGNORED: not something we sync.',
});

@ObjectType('HaloWebhookIssue', { simpleResolvers: true, description: 'Something about our Halo webhook that differs from what should be there.' })
export class HaloWebhookIssueType {
  @Field(() => String, {
    description: 'NO_PUBLIC_URL, NOT_INSTALLED, MISSING, DISABLED, WRONG_URL, WRONG_AUTH, MISSING_SUBSCRIPTION, DUPLICATE_WEBHOOK, DUPLICATE_SUBSCRIPTION, OBSOLETE_SUBSCRIPTION or DELIVERY_FAILURES',
  })
  code!: string;
  @Field(() => String, { description: 'What is wrong, in words.' }) message!: string;
}

/** Internal values are the lower-case names used in the database and in deliveries. */
export enum HaloWebhookEntityEnum {
  COMPANIES = 'companies',
  SITES = 'sites',
  CONTACTS = 'contacts',
  ITEMS = 'items',
  OPPORTUNITIES = 'opportunities',
}
registerEnumType(HaloWebhookEntityEnum, {
  name: 'HaloWebhookEntity',
  description: 'A synced entity a Halo webhook event can be about: COMPANIES (Halo customers/clients), SITES, CONTACTS (Halo users), ITEMS (products), OPPORTUNITIES (Halo tickets).',
});

export enum HaloWebhookEventActionEnum {
  CREATED = 'created',
  UPDATED = 'updated',
  DELETED = 'deleted',
}
registerEnumType(HaloWebhookEventActionEnum, { name: 'HaloWebhookEventAction', description: 'The kind of change a Halo webhook event reports.' });

export enum RealtimeCoverageStateEnum {
  REALTIME_CONFIRMED = 'REALTIME_CONFIRMED',
  SUBSCRIBED = 'SUBSCRIBED',
  MISSING = 'MISSING',
}
registerEnumType(RealtimeCoverageStateEnum, {
  name: 'RealtimeCoverageState',
  description:
    'REALTIME_CONFIRMED: Halo holds a subscription on our webhook for it and a delivery for it has arrived; SUBSCRIBED: Halo holds one, no delivery seen yet; MISSING: Halo holds none, so only the scheduled sync picks such changes up.',
});

export enum HaloWebhookSubscriptionOriginEnum {
  KNOWN_EVENT = 'KNOWN_EVENT',
  TOLD = 'TOLD',
  ADOPTED = 'ADOPTED',
  UNRECOGNISED = 'UNRECOGNISED',
  OBSOLETE = 'OBSOLETE',
}
registerEnumType(HaloWebhookSubscriptionOriginEnum, {
  name: 'HaloWebhookSubscriptionOrigin',
  description:
    'KNOWN_EVENT: a ticket event with public evidence, which we subscribe to; TOLD: an event number you told us (setHaloWebhookEvents), which we subscribe to; ADOPTED: ticked in Halo, recognised by its name or by its first delivery; UNRECOGNISED: ticked in Halo, not recognised yet (its first delivery, or setHaloWebhookEvents, will tell); OBSOLETE: an event number earlier versions made up (repair removes it).',
});

@ObjectType('HaloWebhookSubscription', { simpleResolvers: true, description: 'One event subscription (a Halo notification) on our webhook: held by Halo, or wanted and missing.' })
export class HaloWebhookSubscriptionType {
  @Field(() => Int, { nullable: true, description: 'Halo’s notification id; null for one we want that Halo does not hold.' }) notificationId!: number | null;
  @Field(() => Int, { nullable: true, description: 'Halo’s event number.' }) eventno!: number | null;
  @Field(() => String, { description: 'The subscription’s name in Halo (the event’s name when ticked in Halo’s UI).' }) event!: string;
  @Field(() => HaloWebhookEntityEnum, { nullable: true, description: 'What it is about; null while not recognised.' }) entity!: HaloWebhookEntityEnum | null;
  @Field(() => HaloWebhookEventActionEnum, { nullable: true, description: 'The kind of change; null while not recognised.' }) action!: HaloWebhookEventActionEnum | null;
  @Field(() => HaloWebhookSubscriptionOriginEnum, { description: 'Where it comes from.' }) origin!: HaloWebhookSubscriptionOriginEnum;
  @Field(() => String, { nullable: true, description: 'How its meaning was learned: KNOWN_EVENT, TOLD, NAME or DELIVERY.' }) learnedFrom!: string | null;
  @Field(() => Boolean, { description: 'Whether Halo holds it now.' }) installed!: boolean;
}

@ObjectType('HaloWebhookCoverage', { simpleResolvers: true, description: 'Whether one kind of change (entity and action) reaches us in real time, judged by what Halo holds and what arrived.' })
export class HaloWebhookCoverageType {
  @Field(() => HaloWebhookEntityEnum, { description: 'The synced entity.' }) entity!: HaloWebhookEntityEnum;
  @Field(() => HaloWebhookEventActionEnum, { description: 'The kind of change.' }) action!: HaloWebhookEventActionEnum;
  @Field(() => RealtimeCoverageStateEnum, { description: 'Real time (confirmed or subscribed) or polled.' }) state!: RealtimeCoverageStateEnum;
  @Field(() => [Int], { description: 'Event numbers of the subscriptions Halo holds for it.' }) eventNumbers!: number[];
  @Field(() => Date, { nullable: true, description: 'When the newest delivery for it arrived.' }) lastDeliveryAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'What Halo is known not to send for it, however it is subscribed (the scheduled sync covers that).' }) gap!: string | null;
  @Field(() => String, { nullable: true, description: 'What to tick in Halo, or which mutation to call, to make it real time; null when it is.' }) fix!: string | null;
}

@ObjectType('HaloWebhookToldEvent', { simpleResolvers: true, description: 'An event number you told us for one entity and action (setHaloWebhookEvents).' })
export class HaloWebhookToldEventType {
  @Field(() => HaloWebhookEntityEnum, { description: 'The synced entity.' }) entity!: HaloWebhookEntityEnum;
  @Field(() => HaloWebhookEventActionEnum, { description: 'The kind of change.' }) action!: HaloWebhookEventActionEnum;
  @Field(() => Int, { description: 'Halo’s event number for it.' }) eventNumber!: number;
}

@InputType('HaloWebhookEventNumberInput', { description: 'Halo’s event number for one entity and action, as your Halo administrator knows it.' })
export class HaloWebhookEventNumberInput {
  @Field(() => HaloWebhookEntityEnum, { description: 'The synced entity the event is about.' }) entity!: HaloWebhookEntityEnum;
  @Field(() => HaloWebhookEventActionEnum, { description: 'The kind of change it reports.' }) action!: HaloWebhookEventActionEnum;
  @Field(() => Int, { description: 'Halo’s event number (a positive whole number).' }) eventNumber!: number;
}

@ObjectType('HaloWebhookInfo', { simpleResolvers: true, description: 'Our webhook as Halo holds it.' })
export class HaloWebhookInfoType {
  @Field(() => String, { description: 'Halo’s id (a GUID).' }) id!: string;
  @Field(() => String, { description: 'Its name in Halo (Configuration > Integrations > Webhooks).' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Where Halo sends its deliveries.' }) url!: string | null;
  @Field(() => Boolean, { description: 'Halo’s active flag.' }) active!: boolean;
  @Field(() => Boolean, { description: 'Halo’s disabled flag.' }) disabled!: boolean;
}

@ObjectType('HaloWebhookReceipt', {
  simpleResolvers: true,
  description: 'Deliveries our receiver did not store as new: exact replays (answered 2xx) and deliveries refused for an event time outside the replay window. Counted since the webhook was first set up.',
})
export class HaloWebhookReceiptType {
  @Field(() => Int, { description: 'Events delivered again with a Halo delivery id we already held: answered 2xx (so Halo stops re-sending them), nothing stored.' })
  replays!: number;
  @Field(() => Int, { description: 'New events refused (400, not stored) because their event time was outside the replay window.' }) refused!: number;
  @Field(() => Date, { nullable: true, description: 'When the last event was refused.' }) lastRefusedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why the last event was refused, in words.' }) lastRefusal!: string | null;
  @Field(() => Int, { description: 'The replay window: events raised longer ago than this many seconds are refused (WEBHOOK_MAX_AGE_SECONDS).' }) maxAgeSeconds!: number;
  @Field(() => Int, { description: 'The replay window: events raised more than this many seconds ahead of our clock are refused (WEBHOOK_MAX_FUTURE_SECONDS).' })
  maxFutureSeconds!: number;
}

@ObjectType('HaloWebhooks', { simpleResolvers: true, description: 'Our webhook in Halo: what Halo holds, what should be there, and what reaches us in real time.' })
export class HaloWebhooksType {
  @Field(() => Boolean, { description: 'Installed, active, pointing at us, subscribed to every event we want, deliveries succeeding. Says nothing about coverage: see `coverage`.' })
  ok!: boolean;
  @Field(() => Boolean, { description: 'Halo holds our webhook.' }) installed!: boolean;
  @Field(() => String, { nullable: true, description: 'Where Halo should send deliveries.' }) expectedUrl!: string | null;
  @Field(() => HaloWebhookInfoType, { nullable: true, description: 'Our webhook as Halo holds it.' }) webhook!: HaloWebhookInfoType | null;
  @Field(() => String, { nullable: true, description: 'Our webhook’s name: where to tick events in Halo.' }) webhookName!: string | null;
  @Field(() => [HaloWebhookSubscriptionType], { description: 'Every subscription Halo holds on our webhook, then every one we want that it lacks.' })
  subscriptions!: HaloWebhookSubscriptionType[];
  @Field(() => [HaloWebhookCoverageType], { description: 'Per entity and action: real time or polled, from what Halo holds and the deliveries that arrived.' })
  coverage!: HaloWebhookCoverageType[];
  @Field(() => [HaloWebhookToldEventType], { description: 'Event numbers you told us (setHaloWebhookEvents).' }) toldEvents!: HaloWebhookToldEventType[];
  @Field(() => [HaloWebhookIssueType], { description: 'What differs from what should be there.' }) issues!: HaloWebhookIssueType[];
  @Field(() => Int, { description: 'Failed deliveries in Halo’s delivery log over the last 24 hours.' }) recentFailures!: number;
  @Field(() => [String], { description: 'What install/repair changed in Halo; empty when nothing needed changing.' }) changes!: string[];
  @Field(() => [String], { description: 'Changes that reach us in seconds through the webhooks (what Halo holds).' }) realtime!: string[];
  @Field(() => [String], { description: 'Changes only the scheduled sync picks up, with its schedule.' }) polled!: string[];
  @Field(() => Date, { description: 'When Halo was asked.' }) checkedAt!: Date;
  @Field(() => HaloWebhookReceiptType, { description: 'Replayed and refused deliveries, and the replay window.' }) receipt!: HaloWebhookReceiptType;
}

@ObjectType('HaloWebhookDelivery', { simpleResolvers: true, description: 'One event Halo delivered to us, and what became of it.' })
export class HaloWebhookDeliveryType {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Halo’s id for the delivery (a repeated delivery shares it, and is not stored again).' }) haloDeliveryId!: string | null;
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
  @Field(() => String, { nullable: true, description: 'Why it failed, or why it was ignored, in words (a database error by its class and code; its details are in the service log).' })
  error!: string | null;
  @Field(() => Int) attempts!: number;
  @Field(() => ID, { nullable: true, description: 'DUPLICATE/STALE: the delivery that covered it.' }) duplicateOf!: string | null;
}
