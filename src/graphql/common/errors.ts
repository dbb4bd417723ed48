import { GraphQLError } from 'graphql';

/** A bad argument: a stable code plus the argument's path, so a form can point at the field. */
export function badInput(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}
