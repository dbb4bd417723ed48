import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getVariableValues,
  valueFromAST,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isUnionType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type GraphQLArgument,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { MAX_PAGE_SIZE } from './common/connection';

/**
 * Abuse limits, all enforced before execution starts, so a rejected document costs parsing and validation only
 * and never reaches a resolver or the database. Each has its own `extensions.code`.
 */
export const LIMITS = {
  /** Lexical tokens per document, counted by graphql-js's parser itself: it stops parsing at the limit. */
  maxTokens: 2_000,
  /** Nested fields (fragments flattened; introspection's `__schema` excluded, it is off in production). */
  maxDepth: 8,
  /** Aliases per operation, `__typename` aliases included (graphql-armor allow-lists `__typename` by default). */
  maxAliases: 15,
  /** Directives per operation, so certainly fewer than 10 on any one field (graphql-armor's default is 50). */
  maxDirectives: 9,
  /** One response name at most this often in one selection set, fragments flattened. */
  maxFieldRepeats: 10,
  /** Estimated cost: every field 1, times the size of each enclosing list (see `operationCost`). */
  maxCost: 50_000,
  /**
   * The budget of an operation made only of introspection (`__schema`, `__type`, `__typename`), priced the same
   * way: GraphiQL's own query (graphql-js `getIntrospectionQuery`, every option on) costs about 52,000, so two
   * copies fit and three do not. graphql-js's MaxIntrospectionDepthRule (run by Apollo) refuses deep cycles.
   */
  maxIntrospectionCost: 120_000,
  /** Size assumed for a list without `first` (syncErrors, settings lists, Halo lookups, introspection). */
  defaultListSize: 10,
  /** Parsed-document cache: total source characters kept (≈ 80 heap bytes each, so ≈ 32 MB), and the largest cached. */
  documentCacheChars: 400_000,
  documentCacheEntryChars: 8_000,
} as const;

export const LIMIT_CODES = {
  tokens: 'TOO_MANY_TOKENS',
  depth: 'QUERY_TOO_DEEP',
  aliases: 'TOO_MANY_ALIASES',
  directives: 'TOO_MANY_DIRECTIVES',
  repeats: 'TOO_MANY_REPEATED_FIELDS',
  cost: 'QUERY_TOO_COMPLEX',
} as const;

/**
 * A rejected document. Apollo re-wraps validation errors with code GRAPHQL_VALIDATION_FAILED; `limitErrorCode`
 * (used by our formatError) finds this error underneath and restores its own code.
 */
export class LimitError extends GraphQLError {
  constructor(
    readonly code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extra, http: { status: 400 } } });
  }
}

/** The limit's code when `error` (or what it wraps) is a limit rejection, else undefined. */
export function limitErrorCode(error: unknown): string | undefined {
  if (error instanceof LimitError) return error.code;
  // graphql-js's own maxTokens parse error (its message says "more that" in 16.x).
  if (error instanceof GraphQLError && /Document contains more tha[nt] \d+ tokens/.test(error.message)) return LIMIT_CODES.tokens;
  if (error instanceof GraphQLError && error.originalError) return limitErrorCode(error.originalError);
  return undefined;
}

/** graphql-armor reports through the validation context; we report with our own code per limit. */
const reportAs =
  (code: string) =>
  (ctx: ValidationContext | null, err: GraphQLError): void => {
    ctx?.reportError(new LimitError(code, err.message.replace(/^Syntax Error: /, '')));
  };

function armor() {
  return new ApolloArmor({
    // Token counting through armor's Apollo plugin throws outside Apollo's error handling (a 500): graphql-js's own
    // `maxTokens` parse option does the same job as a clean GRAPHQL_PARSE_FAILED (see `parseOptions`).
    maxTokens: { enabled: false },
    // Armor's cost ignores list sizes; `costPlugin` below multiplies by them.
    costLimit: { enabled: false },
    // Suggestions are stripped from every message, not only validation ones, by our formatError.
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: LIMITS.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [reportAs(LIMIT_CODES.depth)] },
    maxAliases: { n: LIMITS.maxAliases, allowList: [], propagateOnRejection: false, onReject: [reportAs(LIMIT_CODES.aliases)] },
    maxDirectives: { n: LIMITS.maxDirectives, propagateOnRejection: false, onReject: [reportAs(LIMIT_CODES.directives)] },
  }).protect();
}

/**
 * The same response name many times in one selection set (`{ id id id … }`, or spread through fragments) merges to
 * one result but costs graphql-js's overlap check quadratic time: cap the repeats.
 */
export const repeatedFieldsRule: ValidationRule = (context): ASTVisitor => {
  const fragmentCounts = new Map<string, Map<string, number>>();

  const count = (set: SelectionSetNode, into: Map<string, number>, seen: Set<string>): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.alias?.value ?? sel.name.value;
        into.set(name, (into.get(name) ?? 0) + 1);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        count(sel.selectionSet, into, seen);
      } else {
        const name = sel.name.value;
        if (seen.has(name)) continue; // a cycle: NoFragmentCyclesRule reports it
        let counts = fragmentCounts.get(name);
        if (!counts) {
          const fragment = context.getFragment(name);
          counts = new Map();
          if (fragment) count(fragment.selectionSet, counts, new Set([...seen, name]));
          fragmentCounts.set(name, counts);
        }
        for (const [field, n] of counts) into.set(field, (into.get(field) ?? 0) + n);
      }
    }
  };

  return {
    SelectionSet(node) {
      const counts = new Map<string, number>();
      count(node, counts, new Set());
      for (const [name, n] of counts) {
        if (n > LIMITS.maxFieldRepeats) {
          context.reportError(
            new LimitError(LIMIT_CODES.repeats, `Field "${name}" is selected ${n} times in one selection set; the limit is ${LIMITS.maxFieldRepeats}.`),
          );
          return false; // one report per document is enough
        }
      }
      return undefined;
    },
  };
};

type Variables = Record<string, unknown>;

/** The definition of a field in `parent` (introspection's meta fields included), undefined when unknown. */
export function fieldDef(schema: GraphQLSchema, parent: GraphQLCompositeType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
  const name = node.name.value;
  if (name === SchemaMetaFieldDef.name && schema.getQueryType() === parent) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name && schema.getQueryType() === parent) return TypeMetaFieldDef;
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (isAbstractType(parent)) return undefined;
  return parent.getFields()[name];
}

/**
 * One argument's value as execution will see it (undefined when invalid: execution then reports it and runs
 * nothing). graphql-js's own getArgumentValues is not exported from the package root, and a deep import loads a
 * second copy of graphql under vitest.
 */
export function argumentValue(arg: GraphQLArgument, node: FieldNode, variables: Variables): unknown {
  const given = node.arguments?.find((a) => a.name.value === arg.name);
  if (!given) return arg.defaultValue;
  if (given.value.kind === Kind.VARIABLE) {
    const name = given.value.name.value;
    return Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : arg.defaultValue;
  }
  return valueFromAST(given.value, arg.type, variables);
}

/**
 * A router's `_entities` representations, checked before execution: each must be an object naming one of our entity
 * types (@apollo/subgraph would otherwise throw a plain Error, i.e. a 500-class error, for a client's mistake).
 * Returns how many there are, for the cost.
 */
function checkRepresentations(schema: GraphQLSchema, def: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables, path: string[]): number | undefined {
  const arg = def.args.find((a) => a.name === 'representations');
  const value = arg && argumentValue(arg, node, variables);
  if (!Array.isArray(value)) return undefined;
  const entityUnion = schema.getType('_Entity');
  const entities = new Set(isUnionType(entityUnion) ? entityUnion.getTypes().map((t) => t.name) : []);
  value.forEach((rep: unknown, i) => {
    const typename = rep && typeof rep === 'object' && !Array.isArray(rep) ? (rep as { __typename?: unknown }).__typename : undefined;
    if (typeof typename !== 'string' || !entities.has(typename)) {
      throw new GraphQLError(`representations[${i}] must be an object whose __typename is one of: ${[...entities].join(', ')}`, {
        path,
        extensions: { code: 'BAD_USER_INPUT', field: `representations.${i}.__typename`, http: { status: 400 } },
      });
    }
  });
  return value.length;
}

/**
 * Walks the operation once, with its variables, before execution:
 * - every field that takes `first` gets a page size in 1..MAX_PAGE_SIZE, else BAD_USER_INPUT on `first` (the same
 *   error the list resolvers give, but before any of them runs);
 * - cost: each field counts 1, times the size of every list around it: `first` for a connection's `nodes` (and for
 *   a list that takes `first` itself), the number of representations for `_entities`, `defaultListSize` otherwise.
 *   Scalars and objects count the same, so a wide selection is not free.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Variables | undefined,
): number {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  // Bad variables: execution reports them and runs nothing; price the document with the defaults meanwhile.
  const variables: Variables = 'coerced' in coerced && coerced.coerced ? coerced.coerced : {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, number>();

  const setCost = (parent: GraphQLCompositeType, set: SelectionSetNode, pageSize: number | undefined, path: string[]): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        total += fieldCost(parent, sel, pageSize, path);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += isCompositeType(type) ? setCost(type, sel.selectionSet, pageSize, path) : 0;
      } else {
        const fragment = fragments.get(sel.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !isCompositeType(type)) continue;
        const key = `${sel.name.value}:${pageSize ?? ''}`;
        let cost = memo.get(key);
        if (cost === undefined) {
          memo.set(key, 0); // cycles are rejected by validation; this only guards the walk
          cost = setCost(type, fragment.selectionSet, pageSize, path);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const fieldCost = (parent: GraphQLCompositeType, node: FieldNode, inheritedPageSize: number | undefined, path: string[]): number => {
    const def = fieldDef(schema, parent, node);
    if (!def) return 1;
    const here = [...path, node.alias?.value ?? node.name.value];
    let first: number | undefined;
    const firstArg = def.args.find((a) => a.name === 'first');
    if (firstArg) {
      const value = argumentValue(firstArg, node, variables);
      if (value !== undefined && value !== null && (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_PAGE_SIZE)) {
        throw new GraphQLError(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}`, {
          path: here,
          extensions: { code: 'BAD_USER_INPUT', field: 'first', http: { status: 400 } },
        });
      }
      first = (value as number | null | undefined) ?? 50;
    }
    const type = getNamedType(def.type);
    if (!node.selectionSet || !isCompositeType(type)) return 1;
    const isList = isListType(getNullableType(def.type));
    let size = 1;
    if (isList) {
      if (first !== undefined) size = first;
      else if (node.name.value === '_entities') size = checkRepresentations(schema, def, node, variables, here) ?? LIMITS.defaultListSize;
      else size = inheritedPageSize ?? LIMITS.defaultListSize;
    }
    // A connection (takes `first`, returns an object) hands its page size to the list inside it.
    const childPageSize = !isList && first !== undefined ? first : undefined;
    return 1 + size * setCost(type, node.selectionSet, childPageSize, here);
  };

  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  return root ? setCost(root, operation.selectionSet, undefined, []) : 0;
}

const INTROSPECTION_ROOTS = new Set([SchemaMetaFieldDef.name, TypeMetaFieldDef.name, TypeNameMetaFieldDef.name]);

/** True when every root field of the operation (fragments included) is `__schema`, `__type` or `__typename`. */
export function isIntrospectionOnly(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const seen = new Set<string>();
  const only = (set: SelectionSetNode): boolean =>
    set.selections.every((sel) => {
      if (sel.kind === Kind.FIELD) return INTROSPECTION_ROOTS.has(sel.name.value);
      if (sel.kind === Kind.INLINE_FRAGMENT) return only(sel.selectionSet);
      if (seen.has(sel.name.value)) return true;
      seen.add(sel.name.value);
      const fragment = fragments.get(sel.name.value);
      return !fragment || only(fragment.selectionSet);
    });
  return only(operation.selectionSet);
}

/**
 * Page sizes and cost, checked once the operation is known and before execution starts. Introspection alone (what
 * GraphiQL and codegen send for the schema) has a budget of its own; introspection beside data is priced as data.
 */
export const costPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operation, request }) {
        if (!operation) return;
        const cost = operationCost(schema, document, operation, request.variables as Variables | undefined);
        const maxCost = isIntrospectionOnly(document, operation) ? LIMITS.maxIntrospectionCost : LIMITS.maxCost;
        if (cost > maxCost) {
          throw new LimitError(LIMIT_CODES.cost, `Query cost ${cost} exceeds the limit of ${maxCost} (list sizes count: ask for smaller pages).`, {
            cost,
            maxCost,
          });
        }
      },
    };
  },
};

/**
 * Apollo caches every validated document, sized by its JSON length, up to 30 MiB: a parsed document takes about ten
 * times that in heap (≈ 80 bytes per source character, measured), so unique valid documents from a client grew the
 * heap by ~90 MB in the fuzz run and kept growing. This cache counts source characters, keeps documents up to
 * `documentCacheEntryChars` only (ordinary operations are far smaller; a big one is parsed again next time) and
 * evicts the least recently used beyond `documentCacheChars`.
 */
export class DocumentCache {
  private readonly entries = new Map<string, DocumentNode>();
  private chars = 0;

  constructor(
    private readonly maxChars: number = LIMITS.documentCacheChars,
    private readonly maxEntryChars: number = LIMITS.documentCacheEntryChars,
  ) {}

  get size(): { entries: number; chars: number } {
    return { entries: this.entries.size, chars: this.chars };
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    const doc = this.entries.get(key);
    if (doc) {
      this.entries.delete(key);
      this.entries.set(key, doc);
    }
    return doc;
  }

  async set(key: string, doc: DocumentNode): Promise<void> {
    const chars = doc.loc?.end ?? Number.POSITIVE_INFINITY;
    if (chars > this.maxEntryChars) return;
    await this.delete(key);
    this.entries.set(key, doc);
    this.chars += chars;
    for (const [oldest] of this.entries) {
      if (this.chars <= this.maxChars) break;
      await this.delete(oldest);
    }
  }

  async delete(key: string): Promise<boolean> {
    const doc = this.entries.get(key);
    if (!doc) return false;
    this.entries.delete(key);
    this.chars -= doc.loc?.end ?? 0;
    return true;
  }
}

/** What ApolloServer needs for every limit above: plugins, validation rules, parse options, the document cache. */
export function abuseLimits(): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
  documentStore: DocumentCache;
} {
  const armored = armor();
  return {
    plugins: [...(armored.plugins as ApolloServerPlugin[]), costPlugin],
    validationRules: [...armored.validationRules, repeatedFieldsRule],
    parseOptions: { maxTokens: LIMITS.maxTokens },
    documentStore: new DocumentCache(),
  };
}
