import { expect } from 'vitest';
import type { TestApp } from '../support/app';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json?: { data?: unknown; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

/** One HTTP request to /graphql exactly as given: no client library reshaping the body or the headers. */
export async function send(
  url: string,
  init: { method?: string; apiKey?: string; headers?: Record<string, string>; body?: string | Buffer; search?: string } = {},
): Promise<RawResponse> {
  const res = await fetch(`${url}/graphql${init.search ?? ''}`, {
    method: init.method ?? 'POST',
    headers: {
      ...(init.body !== undefined && !init.headers?.['content-type'] ? { 'content-type': 'application/json' } : {}),
      ...(init.apiKey ? { authorization: `Bearer ${init.apiKey}` } : {}),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await res.text();
  let json: RawResponse['json'];
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const gqlBody = (query: string, variables?: Record<string, unknown>): string => JSON.stringify({ query, variables });

/**
 * Runs `request` and proves it executed nothing: no GraphQL field was resolved and the only SQL statement was the
 * API-key lookup of the auth gate (which runs before any GraphQL).
 */
export async function expectNothingRan<T>(t: TestApp, request: () => Promise<T>): Promise<T> {
  const sqlBefore = t.sql.length;
  const resolvedBefore = t.resolved.length;
  const result = await request();
  expect(t.resolved.slice(resolvedBefore), 'fields resolved').toEqual([]);
  const statements = t.sql.slice(sqlBefore);
  expect(statements.filter((s) => !/"api_key"/.test(s)), 'SQL beyond the auth gate').toEqual([]);
  return result;
}

export const codes = (res: RawResponse): unknown[] => (res.json?.errors ?? []).map((e) => e.extensions?.code);
