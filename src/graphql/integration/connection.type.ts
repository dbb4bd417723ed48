import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ConnectionStatusEnum {
  CONNECTED = 'CONNECTED',
  FAILING = 'FAILING',
  DISCONNECTED = 'DISCONNECTED',
}
registerEnumType(ConnectionStatusEnum, { name: 'HaloConnectionStatus' });

@ObjectType('DiagnosticStep', { simpleResolvers: true, description: 'One step of a connection check, with what to fix when it failed.' })
export class DiagnosticStepType {
  @Field(() => String, { description: 'url, auth_server, token, agent, list_clients, teams, webhooks or pipeline_stages' })
  step!: string;

  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true })
  fix?: string | null;
}

@ObjectType('HaloConnection', { simpleResolvers: true, description: 'The tenant’s Halo connection. The client secret is never returned.' })
export class HaloConnectionType {
  @Field(() => ConnectionStatusEnum)
  status!: ConnectionStatusEnum;

  @Field(() => String)
  baseUrl!: string;

  @Field(() => String)
  clientId!: string;

  @Field(() => String, { nullable: true })
  haloTenant?: string | null;

  @Field(() => Date, { nullable: true })
  lastCheckedAt?: Date | null;

  @Field(() => [DiagnosticStepType])
  lastCheck!: DiagnosticStepType[];

  @Field(() => Int, { nullable: true })
  agentId?: number | null;

  @Field(() => String, { nullable: true, description: 'The Halo agent the API application acts as.' })
  agentName?: string | null;

  @Field(() => Boolean, { nullable: true })
  pipelineStagesEnabled?: boolean | null;
}

@InputType()
export class ConnectHaloInput {
  @Field(() => String, { description: 'Your Halo address, e.g. yourcompany.halopsa.com' })
  baseUrl!: string;

  @Field(() => String)
  clientId!: string;

  @Field(() => String)
  clientSecret!: string;

  @Field(() => String, { nullable: true, description: 'Hosted Halo tenant name, when Halo does not announce it.' })
  tenant?: string | null;
}

@ObjectType('ConnectHaloResult', { simpleResolvers: true })
export class ConnectHaloResultType {
  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => DiagnosticStepType, { nullable: true, description: 'The step that failed, with its fix; null when ok.' })
  failedStep?: DiagnosticStepType | null;

  @Field(() => [DiagnosticStepType])
  steps!: DiagnosticStepType[];

  @Field(() => HaloConnectionType, { nullable: true })
  connection?: HaloConnectionType | null;
}
