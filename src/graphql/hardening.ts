import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { GraphQLContext } from './context';
import { abuseLimits, limitErrorCode } from './limits';
import { inputsPlugin } from './inputs';

/** Codes that mean "something broke on our side": their messages are internal and are masked in production. */
const INTERNAL_CODES = new Set([undefined, 'INTERNAL_SERVER_ERROR']);

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** An error nobody threw on purpose: no code, or Apollo's catch-all code for a plain Error. */
export function isUnexpected(formatted: GraphQLFormattedError): boolean {
  return INTERNAL_CODES.has(formatted.extensions?.code as string | undefined);
}

/**
 * Errors without a code that are nevertheless the client's mistake, not ours, so never masked: Apollo's own request
 * errors with a 4xx status (an APQ hash that does not match its query, an unsupported APQ version) are BAD_REQUEST;
 * graphql-js's "too many errors" after 50 bad variable values is BAD_USER_INPUT like the 50 before it.
 */
function clientErrorCode(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.extensions?.code !== undefined) return undefined;
  if (/^Too many errors processing variables/.test(error.message)) return 'BAD_USER_INPUT';
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : undefined;
}

/**
 * Deliberate errors (BAD_USER_INPUT with the field, HALO_*, UNAUTHENTICATED, the limits' codes…) keep their message
 * and code in every mode. In production mode anything else becomes one fixed message with INTERNAL_SERVER_ERROR, and
 * no error suggests schema names ("Did you mean …?"): the request id (added in `requestIdPlugin`) ties the answer
 * to the full error in our log.
 */
export function formatErrorFor(productionMode: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = limitErrorCode(error) ?? (isUnexpected(formatted) ? clientErrorCode(error) : undefined);
    let out: GraphQLFormattedError = code ? { ...formatted, extensions: { ...formatted.extensions, code } } : formatted;
    if (!productionMode) return out;
    if (isUnexpected(out)) {
      return { message: 'Internal server error', path: out.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    out = { ...out, message: out.message.replace(SUGGESTION, '') };
    const { stacktrace: _stack, exception: _exception, ...extensions } = out.extensions ?? {};
    return { ...out, extensions };
  };
}

/**
 * Every error in a GraphQL answer carries the request id (also the x-request-id header), and an unexpected one is
 * logged in full with it, since the client sees only the code.
 */
function requestIdPlugin(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const requestId = contextValue.requestId;
      return {
        async didEncounterErrors({ errors }) {
          for (const err of errors) {
            const code = err.extensions?.code as string | undefined;
            if (INTERNAL_CODES.has(code) && !limitErrorCode(err) && !clientErrorCode(err)) {
              log.error({ err: err.originalError ?? err, requestId, path: err.path }, 'unexpected GraphQL error');
            }
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } }));
        },
      };
    },
  };
}

/** Counts every field resolution: tests prove a rejected request ran no resolver at all (no mock involved). */
export function resolverProbe(onResolve: (field: string) => void): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              onResolve(`${info.parentType.name}.${info.fieldName}`);
            },
          };
        },
      };
    },
  };
}

/**
 * The Apollo options of the public surface: production mode (masked errors, no suggestions, no introspection
 * unless enabled), CSRF prevention, no batching, Apollo's CDN landing page off (GraphiQL is ours, http/graphiql.ts),
 * and every abuse limit of limits.ts.
 */
export function apolloHardening(
  config: Pick<Config, 'productionMode' | 'introspection' | 'env'>,
  log: Logger,
  onResolve?: (field: string) => void,
): Pick<
  ApolloServerOptions<GraphQLContext>,
  | 'plugins'
  | 'validationRules'
  | 'parseOptions'
  | 'documentStore'
  | 'formatError'
  | 'introspection'
  | 'csrfPrevention'
  | 'allowBatchedHttpRequests'
  | 'includeStacktraceInErrorResponses'
  | 'hideSchemaDetailsFromClientErrors'
> {
  const limits = abuseLimits();
  return {
    introspection: config.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.productionMode && config.env === 'development',
    hideSchemaDetailsFromClientErrors: config.productionMode,
    formatError: formatErrorFor(config.productionMode),
    parseOptions: limits.parseOptions,
    documentStore: limits.documentStore,
    validationRules: limits.validationRules,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP caching of GraphQL answers here: Apollo's cache-control plugin would hook every field resolution for nothing.
      ApolloServerPluginCacheControlDisabled(),
      requestIdPlugin(log),
      ...(limits.plugins as ApolloServerPlugin<GraphQLContext>[]),
      // Argument values (ids, NUL, dates, search length), after the limits and before any resolver.
      inputsPlugin as ApolloServerPlugin<GraphQLContext>,
      ...(onResolve ? [resolverProbe(onResolve)] : []),
    ],
  };
}

