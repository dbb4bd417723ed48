import { Arg, Ctx, Field, FieldResolver, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { quoteLineFieldNames, type IntegrationSettingsDoc } from '../../integration/settings';
import { validateQuoteLineFields } from '../../integration/validate';
import { guard } from './errors';
import { IntegrationSettingsType } from './settings.type';

@ObjectType('HaloQuoteLineFields', {
  simpleResolvers: true,
  description:
    'The Halo quote-line field names a pushed quote line’s quantity and unit price are written under and read back from. Halo does not document them: until they are set, every candidate name is sent, and a quotation Halo stores differently fails its push with HALO_STORED_DIFFERENTLY.',
})
class HaloQuoteLineFieldsType {
  @Field(() => [String], { description: 'Names the quantity is sent under.' }) quantity!: string[];
  @Field(() => [String], { description: 'Names the unit price is sent under.' }) unitPrice!: string[];
  @Field(() => Boolean, { description: 'True when set for this tenant (setHaloQuoteLineFields); false for the built-in candidates.' }) custom!: boolean;
}

@InputType('HaloQuoteLineFieldsInput', { description: 'The field names your Halo reads a quote line’s quantity and unit price from.' })
class HaloQuoteLineFieldsInput {
  @Field(() => String, { description: 'E.g. quantity.' }) quantity!: string;
  @Field(() => String, { description: 'E.g. baseprice or price.' }) unitPrice!: string;
}

/** The per-tenant quote-line field names (integration settings `haloQuoteLineFields`). */
@Resolver(() => IntegrationSettingsType)
export class QuoteLineFieldsResolver {
  @FieldResolver(() => HaloQuoteLineFieldsType, { description: 'The quote-line field names used for quantity and unit price.' })
  haloQuoteLineFields(@Root() settings: IntegrationSettingsDoc): HaloQuoteLineFieldsType {
    const names = quoteLineFieldNames(settings);
    return { quantity: [...names.quantity], unitPrice: [...names.unitPrice], custom: names.custom };
  }

  @Mutation(() => IntegrationSettingsType, {
    description: 'Sets the Halo field names a quote line’s quantity and unit price are sent under; null goes back to the built-in candidates. Retry failed quotation pushes afterwards.',
  })
  setHaloQuoteLineFields(
    @Arg('input', () => HaloQuoteLineFieldsInput, { nullable: true, description: 'null: send the built-in candidate names again.' }) input: HaloQuoteLineFieldsInput | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return guard('input', async () => {
      const value = input ? { quantity: input.quantity.trim(), unitPrice: input.unitPrice.trim() } : null;
      const errors = value ? validateQuoteLineFields(value) : [];
      return ctx.services.settings.save(ctx.em, ctx.tenantId, ctx.apiKeyId, 'haloQuoteLineFields', value, errors);
    });
  }
}
