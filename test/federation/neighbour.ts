import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';

/**
 * A neighbour subgraph, as another team would run it beside ours: it adds fields to our `Company` entity (it owns
 * the account manager and which quote is pinned) and references our `Quote` entity by id only, so the router must
 * come back to halo-sync for a quote's title and status.
 */
export const NEIGHBOUR_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Company @key(fields: "id") {
    id: ID!
    "Owned by the neighbour: who looks after this customer."
    accountManager: String!
    "A quote the account manager pinned; halo-sync resolves it."
    pinnedQuote: Quote
  }

  type Quote @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Query {
    "Every pinned quote: a list of references only."
    pinnedQuotes: [Quote!]!
  }
`;

export interface Neighbour {
  url: string;
  typeDefs: DocumentNode;
  /** Requests the neighbour received (the router's fetches). */
  requests: string[];
  stop(): Promise<void>;
}

/** `pins`: company id → pinned quote id (the neighbour's own data). */
export async function startNeighbour(pins: Map<string, string>): Promise<Neighbour> {
  const typeDefs = parse(NEIGHBOUR_SDL);
  const requests: string[] = [];
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: {
      Company: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        accountManager: (company: { id: string }) => `manager-of-${company.id.slice(0, 8)}`,
        pinnedQuote: (company: { id: string }) => (pins.has(company.id) ? { __typename: 'Quote', id: pins.get(company.id) } : null),
      },
      Query: {
        pinnedQuotes: () => [...pins.values()].map((id) => ({ __typename: 'Quote', id })),
      },
    },
  });
  const server = new ApolloServer({
    schema,
    stopOnTerminationSignals: false,
    plugins: [{ async requestDidStart({ request }) { requests.push(request.query ?? ''); } }],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    url,
    typeDefs: parse(printSubgraphSchema(schema)),
    requests,
    stop: () => server.stop(),
  };
}
