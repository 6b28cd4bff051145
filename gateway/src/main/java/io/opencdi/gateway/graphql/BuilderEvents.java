package io.opencdi.gateway.graphql;

import graphql.GraphQL;
import io.smallrye.graphql.spi.EventingService;
import jakarta.enterprise.inject.spi.CDI;

/**
 * Hands SmallRye GraphQL's {@link GraphQL.Builder} to CDI observers ({@link RequestErrorCodes}) and
 * nothing else. SmallRye GraphQL's own CDI eventing ({@code
 * quarkus.smallrye-graphql.events.enabled}) would also fire events before and after every field of
 * every execution, which nothing here observes and which cost a few per cent of the gateway's CPU
 * under subscription fan-out.
 *
 * <p>SmallRye GraphQL loads this once per class loader and keeps it (a static instance that
 * outlives an application restart in the test suite), so it holds nothing and names no bean: it
 * fires into whichever container is current.
 */
public class BuilderEvents implements EventingService {
  @Override
  public String getConfigKey() {
    return null; // always on
  }

  @Override
  public GraphQL.Builder beforeGraphQLBuild(GraphQL.Builder builder) {
    CDI.current().getBeanManager().getEvent().select(GraphQL.Builder.class).fire(builder);
    return builder;
  }
}
