import {
  getNamedType,
  getNullableType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import type { EntityMetadata, MetadataStorage } from '@mikro-orm/core';
import { BY_ID, CHILD_LISTS, READ_TYPES, type Relation } from '../relations';
import type { ListSpec } from '../common/records';

/**
 * What the compiled read path may answer, derived once at start-up from the GraphQL schema, the ORM's metadata and
 * the relation tables (../relations.ts). A field is compiled only when its answer is certain to equal the
 * resolver's: a column read by a default resolver, with the same scalar serialisation, or a declared relation.
 * Anything else (computed fields, JSON columns, lists of scalars…) is absent, and a query touching it runs through
 * the resolvers.
 */

/** SQL of one column as its GraphQL value, for a table alias. */
export type ColumnSql = (alias: string) => string;

export type ReadField =
  | { kind: 'column'; sql: ColumnSql }
  | { kind: 'children'; type: string; table: string; parentColumn: string; orderColumns: string[]; excludeDeleted: boolean }
  | { kind: 'ref'; type: string; table: string; keyColumn: string };

export interface ReadType {
  name: string;
  table: string;
  fields: Map<string, ReadField>;
  /** Entity property → its quoted column (for sorting by a list's sort field). */
  columns: Map<string, string>;
}

export type ReadRoot =
  | { kind: 'list'; connectionType: string; nodeType: string; spec: ListSpec<{ id: string; tenantId: string }, never> }
  | { kind: 'byId'; type: string };

export interface ReadModel {
  types: Map<string, ReadType>;
  roots: Map<string, ReadRoot>;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

const INT_COLUMNS = new Set(['int', 'integer', 'int4', 'smallint', 'int2']);
const DATE_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The SQL for a default-resolved field, or undefined when its serialisation could differ from the resolver's. */
function columnSql(field: GraphQLField<unknown, unknown>, meta: EntityMetadata): ColumnSql | undefined {
  if (field.resolve) return undefined;
  const prop = meta.properties[field.name as never] as EntityMetadata['props'][number] | undefined;
  if (!prop || prop.kind !== 'scalar' || prop.persist === false || prop.fieldNames?.length !== 1) return undefined;
  if (isListType(getNullableType(field.type))) return undefined;
  // A null in a non-null field is an error in graphql-js; the compiled path would not raise it.
  if (isNonNullType(field.type) && prop.nullable) return undefined;
  const column = q(prop.fieldNames[0]);
  const columnType = (prop.columnTypes?.[0] ?? '').toLowerCase();
  const named = getNamedType(field.type);
  const runtime = prop.runtimeType;
  if (isEnumType(named)) {
    // Only enums whose values are their names: then the stored text is the answer.
    return runtime === 'string' && named.getValues().every((v) => v.value === v.name) ? (a) => `${a}.${column}::text` : undefined;
  }
  if (!isScalarType(named)) return undefined;
  switch (named.name) {
    case 'ID':
    case 'String':
      if (runtime === 'string' && !columnType.startsWith('json')) return (a) => `${a}.${column}::text`;
      if (runtime === 'number' && INT_COLUMNS.has(columnType)) return (a) => `${a}.${column}::text`;
      return undefined;
    case 'Int':
      return runtime === 'number' && INT_COLUMNS.has(columnType) ? (a) => `${a}.${column}` : undefined;
    case 'Boolean':
      return runtime === 'boolean' ? (a) => `${a}.${column}` : undefined;
    case 'Decimal':
      return columnType.startsWith('numeric') || columnType.startsWith('decimal') ? (a) => `${a}.${column}::text` : undefined;
    case 'DateTimeISO':
      // Date#toISOString: UTC, milliseconds, "Z".
      return runtime === 'Date' && columnType === 'timestamptz'
        ? (a) => `to_char(${a}.${column} at time zone 'UTC', ${DATE_FORMAT})`
        : undefined;
    default:
      return undefined;
  }
}

function relationField(relation: Relation, field: GraphQLField<unknown, unknown>, metadata: MetadataStorage, owner: EntityMetadata): ReadField | undefined {
  const target = getNamedType(field.type);
  if (!isObjectType(target)) return undefined;
  if (relation.kind === 'children') {
    const list = CHILD_LISTS[relation.list];
    const child = metadata.get(list.entity.name);
    const parentColumn = child.properties[list.parentKey as never]?.fieldNames?.[0];
    const orderColumn = child.properties[list.orderBy as never]?.fieldNames?.[0];
    if (!parentColumn || !orderColumn || !isListType(getNullableType(field.type))) return undefined;
    const excludeDeleted = !(list as { includeDeleted?: boolean }).includeDeleted;
    if (excludeDeleted && !child.properties['deletedAt' as never]) return undefined;
    return { kind: 'children', type: target.name, table: child.tableName, parentColumn: q(parentColumn), orderColumns: [q(orderColumn), q('id')], excludeDeleted };
  }
  // A missing record is null: only for nullable fields.
  if (isNonNullType(field.type)) return undefined;
  const keyColumn = owner.properties[relation.key as never]?.fieldNames?.[0];
  if (!keyColumn) return undefined;
  return { kind: 'ref', type: target.name, table: metadata.get(BY_ID[relation.target].name).tableName, keyColumn: q(keyColumn) };
}

export function buildReadModel(
  schema: GraphQLSchema,
  metadata: MetadataStorage,
  lists: Record<string, ListSpec<never, never>>,
): ReadModel {
  const types = new Map<string, ReadType>();
  for (const [name, decl] of Object.entries(READ_TYPES)) {
    const gqlType = schema.getType(name);
    if (!isObjectType(gqlType)) continue;
    const meta = metadata.get(decl.entity.name);
    if (!meta.properties['tenantId' as never] || !meta.properties['id' as never]) continue;
    const fields = new Map<string, ReadField>();
    for (const field of Object.values(gqlType.getFields())) {
      const relation = decl.relations[field.name];
      const read = relation ? relationField(relation, field, metadata, meta) : columnSql(field, meta);
      if (read) fields.set(field.name, typeof read === 'function' ? { kind: 'column', sql: read } : read);
    }
    const columns = new Map(meta.props.filter((p) => p.fieldNames?.length === 1).map((p) => [p.name as string, q(p.fieldNames[0])]));
    types.set(name, { name, table: meta.tableName, fields, columns });
  }

  const roots = new Map<string, ReadRoot>();
  const queryType = schema.getQueryType();
  for (const field of Object.values(queryType?.getFields() ?? {})) {
    const type = getNullableType(field.type);
    const spec = lists[field.name];
    if (spec && isObjectType(type)) {
      const nodes = type.getFields().nodes;
      const nodeType = nodes && getNamedType(nodes.type);
      if (nodeType && types.has(nodeType.name)) {
        roots.set(field.name, { kind: 'list', connectionType: type.name, nodeType: nodeType.name, spec: spec as never });
      }
    } else if (
      field.name in BY_ID &&
      isObjectType(type) &&
      !isNonNullType(field.type) &&
      READ_TYPES[type.name]?.entity === BY_ID[field.name as keyof typeof BY_ID] &&
      types.has(type.name)
    ) {
      const args = field.args.map((a) => a.name);
      if (args.length === 1 && args[0] === 'id') roots.set(field.name, { kind: 'byId', type: type.name });
    }
  }
  return { types, roots };
}
