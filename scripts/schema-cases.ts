/**
 * Requests generated from the schema, for the fuzzer (scripts/fuzz.ts) and the input tests
 * (test/hardening/inputs.test.ts): one operation per root field with every argument filled with a plausible value,
 * and the list of its scalar leaves (input fields inside lists entered at index 0), so a caller can put a bad value in
 * exactly one place and know the path the error must name. A field added later is covered without touching either.
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

export interface Leaf {
  /** From the argument: ['input', 'lines', '0', 'itemId']. */
  path: string[];
  /** The scalar's name: ID, String, Int, Decimal, DateTimeISO… */
  scalar: string;
}

export interface RootFieldCase {
  operation: 'query' | 'mutation';
  field: string;
  /** The document, every argument given as a variable of its own type. */
  query: string;
  /** Plausible values for every argument. */
  variables: Record<string, unknown>;
  leaves: Leaf[];
}

/** Plausible values: `id()` supplies ids (unknown UUIDs, or the caller's real ones). */
export function sample(type: GraphQLInputType, id: () => string): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sample(inner.ofType, id)];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isInputObjectType(inner)) return Object.fromEntries(Object.values(inner.getFields()).map((f) => [f.name, sample(f.type, id)]));
  switch (inner.name) {
    case 'ID':
      return id();
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return false;
    case 'Decimal':
      return '1.00';
    case 'DateTimeISO':
      return new Date().toISOString();
    default:
      return 'x';
  }
}

export function leaves(type: GraphQLInputType, path: string[]): Leaf[] {
  const inner = getNullableType(type);
  if (isListType(inner)) return leaves(inner.ofType, [...path, '0']);
  if (isInputObjectType(inner)) return Object.values(inner.getFields()).flatMap((f) => leaves(f.type, [...path, f.name]));
  return isScalarType(inner) ? [{ path, scalar: inner.name }] : [];
}

/** A copy of `variables` with the value at `path` replaced. */
export function setAt(variables: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(variables);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

/** Every root field that takes arguments (federation's `_entities`/`_service` and the `skip`ped ones aside). */
export function rootFieldCases(schema: GraphQLSchema, id: () => string, skip: string[] = []): RootFieldCase[] {
  const out: RootFieldCase[] = [];
  for (const [operation, root] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      if (field.name.startsWith('_') || skip.includes(field.name) || !field.args.length) continue;
      const named = getNamedType(field.type);
      const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
      const query = `${operation}(${field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')}) { ${field.name}(${field.args
        .map((a) => `${a.name}: $${a.name}`)
        .join(', ')})${selection} }`;
      out.push({
        operation,
        field: field.name,
        query,
        variables: Object.fromEntries(field.args.map((a) => [a.name, sample(a.type, id)])),
        leaves: field.args.flatMap((a) => leaves(a.type, [a.name])),
      });
    }
  }
  return out;
}
