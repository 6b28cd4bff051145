import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "urql";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";

/** WebSocket URL of the GraphQL endpoint on the page's own origin (the gateway serves both). */
export function graphqlWsUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

export interface ApiClient {
  client: Client;
  dispose: () => void;
}

/**
 * One GraphQL client per signed-in session: queries and mutations over HTTP, subscriptions over
 * graphql-transport-ws with the bearer token in the connection_init payload.
 * `onUnauthenticated` runs when the gateway refuses the token (HTTP 401, e.g. it expired).
 */
export function createApiClient(token: string | null, onUnauthenticated: () => void): ApiClient {
  const authorization = token ? { Authorization: `Bearer ${token}` } : undefined;
  let ws: WsClient | undefined;
  const wsClient = () => {
    ws ??= createWsClient({
      url: graphqlWsUrl(),
      connectionParams: authorization,
      lazy: true,
      // Keep live views live across gateway restarts and network blips.
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
    });
    return ws;
  };
  const client = new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    // urql would send short queries as GET; the gateway takes GraphQL over POST.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: authorization ?? {} }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (error.response?.status === 401) onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, dispose: () => void ws?.dispose() };
}
