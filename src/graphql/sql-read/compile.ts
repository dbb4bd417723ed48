import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { EntityClass, FilterQuery, QueryOrderMap } from '@mikro-orm/core';
import { isRecordId, pageInfoOf, pageQuery } from '../common/records';
import type { PageArgs } from '../common/connection';
import type { ReadField, ReadModel, ReadType } from './model';

/**
 * Compiles a read-only query into one SQL statement whose result is the answer's JSON, built by Postgres
 * (`json_build_object`/`json_agg`): no rows parsed into objects, no resolver per field. It compiles only what it can
 * answer exactly as the resolvers would (see model.ts); for anything else it says why not, and the query runs
 * through the resolvers as usual. Pure: the two things it needs from the ORM come in as `SqlParts`.
 */

export interface SqlParts {
  /** The SQL of a page: `select *` of the entity with the conditions, order and limit (the ORM renders it). */
  page(entity: EntityClass<object>, where: FilterQuery<object>, orderBy: QueryOrderMap<object>, limit: number): string;
  /** A string as an SQL literal. */
  literal(value: string): string;
}

export interface CompileInput {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
  tenantId: string;
}

export type Compiled =
  | { ok: true; sql: string; rootFields: string[]; assemble(row: Record<string, unknown>): Record<string, unknown> }
  | { ok: false; reason: string };

class Unsupported extends Error {}

const unsupported = (reason: string): never => {
  throw new Unsupported(reason);
};

const key = (name: string) => `'${name.replace(/'/g, "''")}'`;

/** json_build_object takes at most 100 arguments. */
const MAX_KEYS = 50;

/** Response key → the field nodes merged under it, in document order (graphql-js's CollectFields for object types). */
type FieldGroups = Map<string, FieldNode[]>;

interface Scope {
  schema: GraphQLSchema;
  model: ReadModel;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  parts: SqlParts;
  tenantId: string;
  aliases: number;
}

function included(scope: Scope, node: SelectionNode): boolean {
  for (const d of node.directives ?? []) {
    if (d.name.value !== 'skip' && d.name.value !== 'include') unsupported(`directive @${d.name.value}`);
  }
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, scope.variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, scope.variables)?.if !== false;
}

function collect(scope: Scope, typeName: string, selections: readonly SelectionNode[], out: FieldGroups = new Map()): FieldGroups {
  for (const sel of selections) {
    if (!included(scope, sel)) continue;
    if (sel.kind === Kind.FIELD) {
      const responseKey = sel.alias?.value ?? sel.name.value;
      const group = out.get(responseKey);
      if (group) group.push(sel);
      else out.set(responseKey, [sel]);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      if (sel.typeCondition && sel.typeCondition.name.value !== typeName) unsupported(`fragment on ${sel.typeCondition.name.value}`);
      collect(scope, typeName, sel.selectionSet.selections, out);
    } else {
      const fragment = scope.fragments[sel.name.value] ?? unsupported(`unknown fragment ${sel.name.value}`);
      if (fragment.typeCondition.name.value !== typeName) unsupported(`fragment on ${fragment.typeCondition.name.value}`);
      collect(scope, typeName, fragment.selectionSet.selections, out);
    }
  }
  return out;
}

/** The merged sub-selections of a field requested more than once under one response key. */
const subSelections = (nodes: FieldNode[]): SelectionNode[] => nodes.flatMap((n) => n.selectionSet?.selections ?? []);

function objectSql(scope: Scope, type: ReadType, alias: string, selections: readonly SelectionNode[]): string {
  const groups = collect(scope, type.name, selections);
  if (groups.size > MAX_KEYS) unsupported(`more than ${MAX_KEYS} fields on ${type.name}`);
  const pairs: string[] = [];
  for (const [responseKey, nodes] of groups) {
    const fieldName = nodes[0].name.value;
    if (fieldName === '__typename') {
      pairs.push(key(responseKey), key(type.name));
      continue;
    }
    const field = type.fields.get(fieldName) ?? unsupported(`${type.name}.${fieldName} is not a plain column or relation`);
    if (nodes.some((n) => n.arguments?.length)) unsupported(`arguments on ${type.name}.${fieldName}`);
    pairs.push(key(responseKey), fieldSql(scope, field, alias, subSelections(nodes)));
  }
  return `json_build_object(${pairs.join(', ')})`;
}

function fieldSql(scope: Scope, field: ReadField, alias: string, selections: SelectionNode[]): string {
  if (field.kind === 'column') return field.sql(alias);
  const target = scope.model.types.get(field.type) ?? unsupported(`type ${field.type}`);
  const a = `t${scope.aliases++}`;
  if (field.kind === 'ref') {
    return `(select ${objectSql(scope, target, a, selections)} from "${field.table}" ${a} where ${a}."id" = ${alias}.${field.keyColumn} and ${a}."tenant_id" = ${alias}."tenant_id")`;
  }
  const order = field.orderColumns.map((c) => `${a}.${c}`).join(', ');
  return (
    `coalesce((select json_agg(${objectSql(scope, target, a, selections)} order by ${order}) from "${field.table}" ${a}` +
    ` where ${a}.${field.parentColumn} = ${alias}."id" and ${a}."tenant_id" = ${alias}."tenant_id"` +
    `${field.excludeDeleted ? ` and ${a}."deleted_at" is null` : ''}), '[]'::json)`
  );
}

type Assemble = (value: unknown) => unknown;

/** One root field: its SQL (a json value) and how its value becomes the answer's. */
function rootSql(scope: Scope, nodes: FieldNode[]): { sql: string; assemble: Assemble } {
  const fieldName = nodes[0].name.value;
  const root = scope.model.roots.get(fieldName) ?? unsupported(`root field ${fieldName}`);
  const fieldDef = scope.schema.getQueryType()!.getFields()[fieldName];
  const args = getArgumentValues(fieldDef, nodes[0], scope.variables);
  const selections = subSelections(nodes);

  if (root.kind === 'byId') {
    const type = scope.model.types.get(root.type)!;
    const id = String(args.id);
    // The loaders answer null for anything that is not one of our ids, without asking the database.
    if (!isRecordId(id)) return { sql: 'null::json', assemble: (v) => v };
    const a = `t${scope.aliases++}`;
    const sql = `(select ${objectSql(scope, type, a, selections)} from "${type.table}" ${a} where ${a}."id" = ${scope.parts.literal(id)} and ${a}."tenant_id" = ${scope.parts.literal(scope.tenantId)})`;
    return { sql, assemble: (v) => v };
  }

  const nodeType = scope.model.types.get(root.nodeType)!;
  const page = pageQuery(root.spec, scope.tenantId, args as unknown as PageArgs & never);
  const pageSql = scope.parts.page(root.spec.entity as EntityClass<object>, page.where as FilterQuery<object>, page.orderBy as QueryOrderMap<object>, page.limit);
  const sortSql = nodeType.columns.get(root.spec.sortField) ?? unsupported(`sort field ${root.spec.sortField}`);
  const k = `t${scope.aliases++}`;

  // The connection's own selection: nodes, pageInfo { hasNextPage endCursor }, __typename.
  const connection = collect(scope, root.connectionType, selections);
  const parts: { responseKey: string; value: (r: { nodes: unknown[]; count: number; last: [unknown, string] | null }) => unknown }[] = [];
  let nodesSql = `'[]'::json`;
  for (const [responseKey, group] of connection) {
    const name = group[0].name.value;
    if (name === '__typename') parts.push({ responseKey, value: () => root.connectionType });
    else if (name === 'nodes') {
      nodesSql = `coalesce((select json_agg(${objectSql(scope, nodeType, k, subSelections(group))} order by ${k}.${sortSql}, ${k}."id") from kept ${k}), '[]'::json)`;
      parts.push({ responseKey, value: (r) => r.nodes });
    } else if (name === 'pageInfo') {
      const infoFields = collect(scope, 'PageInfo', subSelections(group));
      const picks = [...infoFields].map(([infoKey, infoNodes]) => {
        const infoName = infoNodes[0].name.value;
        if (infoName !== 'hasNextPage' && infoName !== 'endCursor' && infoName !== '__typename') unsupported(`PageInfo.${infoName}`);
        return [infoKey, infoName as 'hasNextPage' | 'endCursor' | '__typename'] as const;
      });
      parts.push({
        responseKey,
        value: (r) => {
          const info = pageInfoOf(page.first, r.count, r.last ? { sortValue: r.last[0], id: r.last[1] } : undefined);
          const out: Record<string, unknown> = {};
          for (const [infoKey, infoName] of picks) out[infoKey] = infoName === '__typename' ? 'PageInfo' : info[infoName];
          return out;
        },
      });
    } else unsupported(`${root.connectionType}.${name}`);
  }
  const sql =
    `(with page as (${pageSql}), kept as (select * from page order by ${sortSql}, "id" limit ${page.first}) ` +
    `select json_build_object('nodes', ${nodesSql}, 'count', (select count(*) from page), ` +
    `'last', (select json_build_array(${k}.${sortSql}, ${k}."id") from kept ${k} order by ${k}.${sortSql} desc, ${k}."id" desc limit 1)))`;
  return {
    sql,
    assemble: (v) => {
      const r = v as { nodes: unknown[]; count: number; last: [unknown, string] | null };
      const out: Record<string, unknown> = {};
      for (const p of parts) out[p.responseKey] = p.value(r);
      return out;
    },
  };
}

export function compileRead(schema: GraphQLSchema, model: ReadModel, parts: SqlParts, input: CompileInput): Compiled {
  const { document, operation } = input;
  if (operation.operation !== 'query') return { ok: false, reason: operation.operation };
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variables ?? {});
  if (coerced.errors) return { ok: false, reason: 'variables' };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const scope: Scope = { schema, model, fragments, variables: coerced.coerced, parts, tenantId: input.tenantId, aliases: 0 };
  try {
    const rootType = schema.getQueryType()!.name;
    const roots = collect(scope, rootType, operation.selectionSet.selections);
    const columns: string[] = [];
    const answer: { responseKey: string; column?: string; assemble: Assemble }[] = [];
    const rootFields: string[] = [];
    for (const [responseKey, nodes] of roots) {
      if (nodes[0].name.value === '__typename') {
        answer.push({ responseKey, assemble: () => rootType });
        continue;
      }
      const root = rootSql(scope, nodes);
      rootFields.push(nodes[0].name.value);
      const column = `r${columns.length}`;
      columns.push(`${root.sql} as ${column}`);
      answer.push({ responseKey, column, assemble: root.assemble });
    }
    if (!columns.length) return { ok: false, reason: 'nothing to read' };
    return {
      ok: true,
      sql: `select ${columns.join(', ')}`,
      rootFields,
      assemble(row) {
        const data: Record<string, unknown> = {};
        for (const a of answer) data[a.responseKey] = a.assemble(a.column ? row[a.column] : undefined);
        return data;
      },
    };
  } catch (err) {
    // Unsupported, or an argument the resolvers reject (bad `first`, bad cursor…): they answer it, with their error.
    return { ok: false, reason: err instanceof Unsupported ? err.message : `arguments: ${(err as Error).message}` };
  }
}
