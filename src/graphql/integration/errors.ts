import { GraphQLError } from 'graphql';
import { HaloError } from '../../halo';
import { NotConnectedError } from '../../integration/halo-access';
import { InputError } from '../../common/input-error';
import { LookupUnverifiedError } from '../../integration/lookup-tables.service';

/**
 * Service errors as GraphQL errors with a stable code: bad input names the field (prefixed with the argument),
 * Halo failures carry their class. Messages come from our own code and the Halo client, which never put a
 * secret in one.
 */
export function toGraphQLError(err: unknown, argument: string): unknown {
  if (err instanceof InputError) {
    const fieldErrors = err.fieldErrors.map((e) => ({ ...e, path: argument ? `${argument}.${e.path}` : e.path }));
    return new GraphQLError(`Invalid ${argument || 'input'}: ${fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      extensions: { code: 'BAD_USER_INPUT', field: fieldErrors[0]?.path, fieldErrors },
    });
  }
  if (err instanceof NotConnectedError) return new GraphQLError(err.message, { extensions: { code: err.code } });
  if (err instanceof LookupUnverifiedError) {
    const r = err.report;
    return new GraphQLError(err.message, { extensions: { code: err.code, lookup: r.key, lookupId: r.lookupId, verdict: r.verdict, fix: r.fix } });
  }
  if (err instanceof HaloError) {
    return new GraphQLError(`Halo: ${err.message}`, { extensions: { code: `HALO_${err.kind.toUpperCase()}`, retryable: err.retryable } });
  }
  return err;
}

/** `argument` prefixes field paths; '' when the validators already name the argument. */
export async function guard<T>(argument: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toGraphQLError(err, argument);
  }
}
