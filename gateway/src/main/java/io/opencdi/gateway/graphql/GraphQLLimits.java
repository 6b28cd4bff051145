package io.opencdi.gateway.graphql;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Bounds on what one client may ask of the GraphQL endpoint, checked before SmallRye GraphQL or
 * graphql-java look at a request (docs/adr/0023-graphql-edge.md).
 */
@ConfigMapping(prefix = "opencdi.graphql")
public interface GraphQLLimits {
  /** Characters of one GraphQL document. */
  @WithDefault("32768")
  int maxCharacters();

  /**
   * Characters of the documents whose parse (and verdict) each replica keeps, so that the documents
   * clients send again and again, which are nearly all of them, are read once. Bounded by size, so
   * that many different documents cost memory up to this and no more.
   */
  @WithDefault("4194304")
  int documentCacheCharacters();

  /** Tokens (names, punctuation, values) of one GraphQL document. */
  @WithDefault("4000")
  int maxTokens();

  /** Nesting of the parser's grammar rules: bounds the parser's own recursion. */
  @WithDefault("120")
  int maxRuleDepth();

  /** Fragment spreads ({@code ...Name}) written in one document. */
  @WithDefault("100")
  int maxFragmentSpreads();

  /**
   * Fields an operation selects once every fragment is expanded; counted with each fragment
   * computed once, so a fragment bomb is refused without being expanded.
   */
  @WithDefault("500")
  int maxFields();

  /** Nesting of fields once fragments are expanded. */
  @WithDefault("10")
  int maxDepth();

  /** Root fields (aliases included) of one operation: 80 aliased mutations are 80 requests. */
  @WithDefault("16")
  int maxRootFields();

  /** Bytes of one HTTP request body. */
  @WithDefault("262144")
  int maxRequestBytes();

  /** The {@code /graphql} WebSocket (graphql-transport-ws). */
  WebSocket websocket();

  /** Limits of the {@code /graphql} WebSocket. */
  interface WebSocket {
    /** Bytes of one message from a client; larger ones close the socket with 1009. */
    @WithDefault("65536")
    int maxMessageBytes();

    /** How long a client may take to send connection_init before the socket closes with 4408. */
    @WithDefault("PT10S")
    Duration initTimeout();

    /** Operations (subscriptions, queries, mutations) in flight on one connection. */
    @WithDefault("32")
    int maxOperationsPerConnection();

    /** Operations in flight of one user over all their connections to this replica. */
    @WithDefault("256")
    int maxOperationsPerUser();

    /**
     * Bytes written to one connection and not yet taken by its client. A client that falls this far
     * behind is closed with 4503 rather than held in memory (docs/adr/0026).
     */
    @WithDefault("1048576")
    int maxQueuedBytes();

    /**
     * How long a connection closed with 4503 has to read the messages still queued for it and the
     * close frame behind them. A client that has not read them by then is not waited for: its
     * connection is reset, and what was queued for it is let go (docs/adr/0026).
     */
    @WithDefault("PT10S")
    Duration slowConsumerGrace();

    /**
     * Shortest time between two socket writes to one connection: messages for a connection that
     * wrote less than this ago wait and go out together in the next write (docs/adr/0026). Zero,
     * the default, writes at the event loop's next turn everything queued by then: at 10,000
     * consoles 20 ms joined hardly any messages (1.08 a write) and cost events delivered.
     */
    @WithDefault("PT0S")
    Duration flushInterval();

    /**
     * Connection writes queued to the event loops at which the fan-out thread waits before handing
     * out more: a request's next step (a database answer, say) is queued on the same loops behind
     * every write queued before it, so this bounds how long subscriptions can hold up requests
     * (docs/adr/0026).
     */
    @WithDefault("1024")
    int writeBacklog();

    /**
     * Whether identical subscriptions run once per group and share their bytes (docs/adr/0026);
     * false runs each subscription on its own, as before, for comparison in the load test.
     */
    @WithDefault("true")
    boolean groupSubscriptions();
  }
}
