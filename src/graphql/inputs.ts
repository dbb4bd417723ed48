import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  getVariableValues,
  isCompositeType,
  isInputObjectType,
  isListType,
  isScalarType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { isRecordId } from './common/records';
import { argumentValue, fieldDef } from './limits';

/** The longest `search` any list accepts: a longer one is no one's search, and costs the database a scan per character. */
export const MAX_SEARCH_LENGTH = 200;

/** Years Postgres and our clients both handle (Postgres rejects year 0, which graphql-scalars' DateTimeISO accepts). */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/**
 * The argument values of every field of an operation, checked once, centrally, before any resolver (or the compiled
 * read path) sees them, so no resolver needs its own guard and a bad value never reaches Postgres as a database error:
 * - `ID` values are ours, UUIDs (every `ID` argument and input field names one of our records);
 * - no string contains NUL (Postgres text cannot hold it);
 * - a `DateTimeISO` lies in years 1–9999;
 * - a `search` argument is at most MAX_SEARCH_LENGTH characters.
 * The first bad value is reported as BAD_USER_INPUT with `field` its path from the argument (`input.lines.0.itemId`),
 * in the same shape the services' validation uses.
 */
export function checkInputs(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, rawVariables: Record<string, unknown> | undefined): void {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  // Variables of the wrong type: execution reports them and runs nothing.
  if (!('coerced' in coerced) || !coerced.coerced) return;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const visited = new Set<string>();

  const walk = (parent: GraphQLCompositeType, set: SelectionSetNode, path: string[]): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (isCompositeType(type)) walk(type, sel.selectionSet, path);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(sel.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        // A fragment's arguments are the same wherever it is spread: check it once.
        if (!fragment || !isCompositeType(type) || visited.has(fragment.name.value)) continue;
        visited.add(fragment.name.value);
        walk(type, fragment.selectionSet, path);
        continue;
      }
      const def = fieldDef(schema, parent, sel);
      if (!def) continue;
      const here = [...path, sel.alias?.value ?? sel.name.value];
      for (const arg of def.args) {
        const problem = checkValue(arg.type, argumentValue(arg, sel, variables), [arg.name]);
        if (problem) {
          const field = problem.path.join('.');
          throw new GraphQLError(`${field}: ${problem.message}`, {
            path: here,
            extensions: { code: 'BAD_USER_INPUT', field, fieldErrors: [{ path: field, code: 'INVALID', message: problem.message }], http: { status: 400 } },
          });
        }
      }
      const named = getNamedType(def.type);
      if (sel.selectionSet && isCompositeType(named)) walk(named, sel.selectionSet, here);
    }
  };

  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (root) walk(root, operation.selectionSet, []);
}

interface Problem {
  path: string[];
  message: string;
}

function checkValue(type: GraphQLInputType, value: unknown, path: string[]): Problem | undefined {
  if (value === null || value === undefined) return undefined;
  const inner = getNullableType(type);
  if (isListType(inner)) {
    const items = Array.isArray(value) ? value : [value];
    for (let i = 0; i < items.length; i++) {
      const problem = checkValue(inner.ofType, items[i], [...path, String(i)]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isInputObjectType(inner)) {
    if (typeof value !== 'object') return undefined;
    for (const field of Object.values(inner.getFields())) {
      const problem = checkValue(field.type, (value as Record<string, unknown>)[field.name], [...path, field.name]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isScalarType(inner)) return undefined;
  if (typeof value === 'string' && value.includes('\u0000')) return { path, message: 'must not contain NUL characters (\\u0000)' };
  switch (inner.name) {
    case 'ID':
      return typeof value === 'string' && isRecordId(value) ? undefined : { path, message: 'is not an id returned by this API' };
    case 'String':
      if (path.length === 1 && path[0] === 'search' && typeof value === 'string' && value.length > MAX_SEARCH_LENGTH) {
        return { path, message: `must be at most ${MAX_SEARCH_LENGTH} characters` };
      }
      return undefined;
    case 'DateTimeISO': {
      const year = value instanceof Date ? value.getUTCFullYear() : Number.NaN;
      return year >= MIN_YEAR && year <= MAX_YEAR ? undefined : { path, message: `must be a date-time in the years ${MIN_YEAR} to ${MAX_YEAR}` };
    }
    default:
      return undefined;
  }
}

/** `checkInputs` on every operation, once it is known and before execution (and the compiled read path) starts. */
export const inputsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operation, request }) {
        if (operation) checkInputs(schema, document, operation, request.variables as Record<string, unknown> | undefined);
      },
    };
  },
};
