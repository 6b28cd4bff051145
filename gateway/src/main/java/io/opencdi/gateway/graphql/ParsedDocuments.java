package io.opencdi.gateway.graphql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import graphql.ExecutionInput;
import graphql.GraphQL;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The documents graphql-java has parsed and validated, kept per replica by their text. Clients send
 * the same few documents with different variables, and parsing and validating them was the largest
 * single cost of a small request. SmallRye GraphQL has a cache of its own, but it fills it from an
 * instrumentation that {@link RequestErrorCodes} replaces, so it stayed empty; this one fills
 * itself. Only documents that validated are kept: a document with errors runs the whole way each
 * time, so its errors are reported (and coded) exactly as before.
 */
@ApplicationScoped
public class ParsedDocuments implements PreparsedDocumentProvider {
  private final Cache<String, PreparsedDocumentEntry> documents;

  @Inject
  public ParsedDocuments(GraphQLLimits limits) {
    this(limits.documentCacheCharacters());
  }

  /** A cache that keeps documents of at most {@code characters} characters in all. */
  ParsedDocuments(long characters) {
    documents =
        Caffeine.newBuilder()
            .maximumWeight(characters)
            .weigher((String query, PreparsedDocumentEntry entry) -> query.length())
            .recordStats()
            .build();
  }

  void onBuild(@Observes GraphQL.Builder builder) {
    builder.preparsedDocumentProvider(this);
  }

  @Override
  public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(
      ExecutionInput input, Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
    String query = input.getQuery();
    PreparsedDocumentEntry known = documents.getIfPresent(query);
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    // Parsed outside the cache's lock: a slow parse must not hold up other documents.
    PreparsedDocumentEntry entry = parseAndValidate.apply(input);
    if (!entry.hasErrors()) {
      documents.put(query, entry);
    }
    return CompletableFuture.completedFuture(entry);
  }

  /** The characters of the documents kept now (after pending evictions). */
  long charactersKept() {
    documents.cleanUp();
    return documents.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  /** How often a document was found, for tests and diagnostics. */
  public CacheStats stats() {
    return documents.stats();
  }
}
