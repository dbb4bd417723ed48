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
 * Compiles a read-only query into a plan of batched SQL statements, the way hand-written code would read it: the
 * page (or the record), then one statement per relation for all the parents at once (`parent_id in (…)`), level
 * by level, siblings in parallel. Each statement selects exactly the requested columns, already converted to their
 * GraphQL values (see model.ts), and the answer is assembled from the rows directly: no graphql-js execution, no
 * resolver or DataLoader per field, no ORM entities. It compiles only what it can answer exactly as the resolvers
 * would; for anything else it says why not, and the query runs through the resolvers as usual.
 *
 * Compiling is pure; running needs the two things the ORM provides (`SqlParts`) and a way to run a statement.
 */

export interface SqlParts {
  /** The SQL of a page: `select *` of the entity with the conditions, order and limit (the ORM renders it). */
  page(entity: EntityClass<object>, where: FilterQuery<object>, orderBy: QueryOrderMap<object>, limit: number): string;
  /** A string as an SQL literal. */
  literal(value: string): string;
}

export type Row = Record<string, unknown>;
export type RunSql = (sql: string) => Promise<Row[]>;

export interface CompileInput {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
  tenantId: string;
}

export type Compiled =
  | { ok: true; rootFields: string[]; run(sql: RunSql): Promise<Record<string, unknown>> }
  | { ok: false; reason: string };

class Unsupported extends Error {}

const unsupported = (reason: string): never => {
  throw new Unsupported(reason);
};

/** One object type's part of the plan: its select list and how a row becomes the response object. */
interface ObjectPlan {
  /** Select items over the table alias `k`, named c0, c1…. */
  columns: string[];
  fields: FieldPlan[];
  relations: RelationPlan[];
}

type FieldPlan =
  | { key: string; kind: 'value'; value: string }
  | { key: string; kind: 'column'; column: string }
  | { key: string; kind: 'relation'; relation: number };

interface RelationPlan {
  field: Extract<ReadField, { kind: 'children' | 'ref' }>;
  /** The parent's column holding the id to look up: its own id (children) or a foreign key (ref). */
  link: string;
  plan: ObjectPlan;
}

/** Response key → the field nodes merged under it, in document order (graphql-js's CollectFields for object types). */
type FieldGroups = Map<string, FieldNode[]>;

interface Scope {
  schema: GraphQLSchema;
  model: ReadModel;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  parts: SqlParts;
  tenantId: string;
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

function objectPlan(scope: Scope, type: ReadType, selections: readonly SelectionNode[]): ObjectPlan {
  const plan: ObjectPlan = { columns: [], fields: [], relations: [] };
  const select = (sql: string): string => {
    const name = `c${plan.columns.length}`;
    plan.columns.push(`${sql} as "${name}"`);
    return name;
  };
  let idColumn: string | undefined;
  for (const [key, nodes] of collect(scope, type.name, selections)) {
    const fieldName = nodes[0].name.value;
    if (fieldName === '__typename') {
      plan.fields.push({ key, kind: 'value', value: type.name });
      continue;
    }
    const field = type.fields.get(fieldName) ?? unsupported(`${type.name}.${fieldName} is not a plain column or relation`);
    if (nodes.some((n) => n.arguments?.length)) unsupported(`arguments on ${type.name}.${fieldName}`);
    if (field.kind === 'column') {
      plan.fields.push({ key, kind: 'column', column: select(field.sql('k')) });
      continue;
    }
    const target = scope.model.types.get(field.type) ?? unsupported(`type ${field.type}`);
    const link = field.kind === 'children' ? (idColumn ??= select(`k."id"::text`)) : select(`k.${field.keyColumn}::text`);
    plan.fields.push({ key, kind: 'relation', relation: plan.relations.length });
    plan.relations.push({ field, link, plan: objectPlan(scope, target, subSelections(nodes)) });
  }
  // A selection of only __typename still needs one column to select.
  if (!plan.columns.length) select('1');
  return plan;
}

/** The statement reading one relation for every parent at once, mirroring the loaders (../relations.ts). */
function relationSql(scope: Scope, rel: RelationPlan, ids: string[]): string {
  const f = rel.field;
  // One array literal (ids are our UUIDs, checked before): cheaper for Postgres to parse than an IN list.
  const list = `${scope.parts.literal(`{${ids.join(',')}}`)}::uuid[]`;
  const cols = rel.plan.columns.join(', ');
  const tenant = scope.parts.literal(scope.tenantId);
  if (f.kind === 'ref') return `select k."id"::text as "p", ${cols} from "${f.table}" k where k."tenant_id" = ${tenant} and k."id" = any(${list})`;
  return (
    `select k.${f.parentColumn}::text as "p", ${cols} from "${f.table}" k where k."tenant_id" = ${tenant} and k.${f.parentColumn} = any(${list})` +
    `${f.excludeDeleted ? ` and k."deleted_at" is null` : ''} order by ${f.orderColumns.map((c) => `k.${c}`).join(', ')}`
  );
}

/** Reads every relation of `rows` (recursively) and builds their response objects. */
async function assemble(scope: Scope, plan: ObjectPlan, rows: Row[], run: RunSql): Promise<Record<string, unknown>[]> {
  const related = await Promise.all(
    plan.relations.map(async (rel) => {
      const ids = [...new Set(rows.map((r) => r[rel.link]).filter((v): v is string => typeof v === 'string' && isRecordId(v)))];
      const byParent = new Map<string, unknown>();
      if (!ids.length) return byParent;
      const childRows = await run(relationSql(scope, rel, ids));
      const children = await assemble(scope, rel.plan, childRows, run);
      childRows.forEach((row, i) => {
        const parent = row.p as string;
        if (rel.field.kind === 'ref') byParent.set(parent, children[i]);
        else {
          const list = byParent.get(parent) as unknown[] | undefined;
          if (list) list.push(children[i]);
          else byParent.set(parent, [children[i]]);
        }
      });
      return byParent;
    }),
  );
  return rows.map((row) => {
    const obj: Record<string, unknown> = {};
    for (const f of plan.fields) {
      if (f.kind === 'column') obj[f.key] = row[f.column];
      else if (f.kind === 'value') obj[f.key] = f.value;
      else {
        const rel = plan.relations[f.relation];
        const link = row[rel.link] as string | null;
        const found = link === null ? undefined : related[f.relation].get(link);
        obj[f.key] = found ?? (rel.field.kind === 'children' ? [] : null);
      }
    }
    return obj;
  });
}

type RootRun = (run: RunSql) => Promise<unknown>;

/** One root field: how to read and assemble its value. */
function rootPlan(scope: Scope, nodes: FieldNode[]): RootRun {
  const fieldName = nodes[0].name.value;
  const root = scope.model.roots.get(fieldName) ?? unsupported(`root field ${fieldName}`);
  const fieldDef = scope.schema.getQueryType()!.getFields()[fieldName];
  const args = getArgumentValues(fieldDef, nodes[0], scope.variables);
  const selections = subSelections(nodes);

  if (root.kind === 'byId') {
    const type = scope.model.types.get(root.type)!;
    const plan = objectPlan(scope, type, selections);
    const id = String(args.id);
    // The loaders answer null for anything that is not one of our ids, without asking the database.
    if (!isRecordId(id)) return async () => null;
    const sql = `select ${plan.columns.join(', ')} from "${type.table}" k where k."id" = ${scope.parts.literal(id)} and k."tenant_id" = ${scope.parts.literal(scope.tenantId)}`;
    return async (run) => (await assemble(scope, plan, await run(sql), run))[0] ?? null;
  }

  const nodeType = scope.model.types.get(root.nodeType)!;
  const page = pageQuery(root.spec, scope.tenantId, args as unknown as PageArgs & never);
  const pageSql = scope.parts.page(root.spec.entity as EntityClass<object>, page.where as FilterQuery<object>, page.orderBy as QueryOrderMap<object>, page.limit);
  const sort = nodeType.columns.get(root.spec.sortField) ?? unsupported(`sort field ${root.spec.sortField}`);

  // The connection's own selection: nodes, pageInfo { hasNextPage endCursor }, __typename.
  let nodesPlan: ObjectPlan | undefined;
  const parts: { key: string; value: (nodes: unknown[], info: () => Record<string, unknown>) => unknown }[] = [];
  for (const [key, group] of collect(scope, root.connectionType, selections)) {
    const name = group[0].name.value;
    if (name === '__typename') parts.push({ key, value: () => root.connectionType });
    else if (name === 'nodes') {
      // Requested twice under two keys, both show the same nodes (their selections differ only by key).
      const plan = objectPlan(scope, nodeType, subSelections(group));
      if (nodesPlan) unsupported('nodes under two response keys');
      nodesPlan = plan;
      parts.push({ key, value: (nodes) => nodes });
    } else if (name === 'pageInfo') {
      const picks = [...collect(scope, 'PageInfo', subSelections(group))].map(([infoKey, infoNodes]) => {
        const infoName = infoNodes[0].name.value;
        if (infoName !== 'hasNextPage' && infoName !== 'endCursor' && infoName !== '__typename') unsupported(`PageInfo.${infoName}`);
        return [infoKey, infoName as 'hasNextPage' | 'endCursor' | '__typename'] as const;
      });
      parts.push({
        key,
        value: (_nodes, info) => {
          const all = info();
          const out: Record<string, unknown> = {};
          for (const [infoKey, infoName] of picks) out[infoKey] = infoName === '__typename' ? 'PageInfo' : all[infoName];
          return out;
        },
      });
    } else unsupported(`${root.connectionType}.${name}`);
  }
  const plan = nodesPlan ?? objectPlan(scope, nodeType, []);
  const sql = `select k.${sort} as "s", k."id"::text as "i", ${plan.columns.join(', ')} from (${pageSql}) k order by k.${sort}, k."id"`;
  return async (run) => {
    const rows = await run(sql);
    const kept = rows.length > page.first ? rows.slice(0, page.first) : rows;
    const nodes = nodesPlan ? await assemble(scope, nodesPlan, kept, run) : [];
    const last = kept[kept.length - 1];
    const info = () => pageInfoOf(page.first, rows.length, last && { sortValue: last.s, id: last.i as string }) as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const p of parts) out[p.key] = p.value(nodes, info);
    return out;
  };
}

export function compileRead(schema: GraphQLSchema, model: ReadModel, parts: SqlParts, input: CompileInput): Compiled {
  const { document, operation } = input;
  if (operation.operation !== 'query') return { ok: false, reason: operation.operation };
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], input.variables ?? {});
  if (coerced.errors) return { ok: false, reason: 'variables' };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const scope: Scope = { schema, model, fragments, variables: coerced.coerced, parts, tenantId: input.tenantId };
  try {
    const rootType = schema.getQueryType()!.name;
    const roots: { key: string; run: RootRun }[] = [];
    const rootFields: string[] = [];
    for (const [key, nodes] of collect(scope, rootType, operation.selectionSet.selections)) {
      if (nodes[0].name.value === '__typename') {
        roots.push({ key, run: async () => rootType });
        continue;
      }
      roots.push({ key, run: rootPlan(scope, nodes) });
      rootFields.push(nodes[0].name.value);
    }
    if (!rootFields.length) return { ok: false, reason: 'nothing to read' };
    return {
      ok: true,
      rootFields,
      async run(sql) {
        const values = await Promise.all(roots.map((r) => r.run(sql)));
        const data: Record<string, unknown> = {};
        roots.forEach((r, i) => (data[r.key] = values[i]));
        return data;
      },
    };
  } catch (err) {
    // Unsupported, or an argument the resolvers reject (bad `first`, bad cursor…): they answer it, with their error.
    return { ok: false, reason: err instanceof Unsupported ? err.message : `arguments: ${(err as Error).message}` };
  }
}
