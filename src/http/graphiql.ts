import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const DEFAULT_QUERY = `# Welcome to halo-sync. Every request needs your API key in the headers below:
#   { "Authorization": "Bearer <your key>" }
query Companies {
  companies(first: 10) {
    nodes { id name website haloId }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/**
 * A self-contained GraphiQL page: its scripts and styles are inlined, so a browser makes no request to any
 * other host (Apollo's own landing page loads from a CDN, which fails offline and leaks usage).
 */
export function graphiqlPage(opts: { apiKey?: string }): string {
  return renderGraphiQL({
    title: 'halo-sync GraphiQL',
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : { Authorization: 'Bearer ' }),
    shouldPersistHeaders: false,
  });
}
