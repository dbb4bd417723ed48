import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  raw: string;
}

/**
 * A typed GraphQL call over real HTTP. `expectData` throws with the operation and the whole response body, so a
 * failing test shows what was sent and what came back.
 */
export function graphqlClient(baseUrl: string, apiKey?: string) {
  async function request<TData, TVars>(
    doc: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
    opts: { apiKey?: string | null } = {},
  ): Promise<GraphQLResponse<TData>> {
    const query = typeof doc === 'string' ? doc : print(doc);
    const key = opts.apiKey === undefined ? apiKey : opts.apiKey;
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const raw = await res.text();
    let body: { data?: TData; errors?: GraphQLResponse<TData>['errors'] } = {};
    try {
      body = JSON.parse(raw);
    } catch {
      // keep raw for the assertion message
    }
    return { status: res.status, data: body.data, errors: body.errors, raw };
  }

  async function expectData<TData, TVars>(
    doc: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
  ): Promise<TData> {
    const res = await request(doc, variables);
    if (res.status !== 200 || res.errors?.length || !res.data) {
      const query = typeof doc === 'string' ? doc : print(doc);
      throw new Error(`GraphQL call failed (HTTP ${res.status})\n--- query\n${query}\n--- variables\n${JSON.stringify(variables)}\n--- response\n${res.raw}`);
    }
    return res.data;
  }

  return { request, expectData };
}
