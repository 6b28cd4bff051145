package io.opencdi.gateway.graphql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserEnvironment;
import graphql.parser.ParserOptions;
import graphql.parser.exceptions.ParseCancelledException;
import graphql.parser.exceptions.ParseCancelledTooDeepException;
import graphql.parser.exceptions.ParseCancelledTooManyCharsException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;

/**
 * The first look at every GraphQL request, over HTTP and WebSocket alike, before SmallRye GraphQL
 * or graphql-java parse, validate or run it: a document that is too long, too deep or would expand
 * into too many fields is refused with {@code VALIDATION}, and a caller without a token may run
 * only {@code login} and introspection ({@code UNAUTHENTICATED} otherwise). Each check costs one
 * bounded parse and one pass over the document.
 */
@ApplicationScoped
public class RequestGuard {
  /** A refused request: the {@code extensions.code} and the message the client sees. */
  public record Refusal(String code, String message) {}

  private static final Set<String> PUBLIC_QUERY_FIELDS = Set.of("__schema", "__type", "__typename");
  private static final Set<String> PUBLIC_MUTATION_FIELDS = Set.of("login", "__typename");

  private final GraphQLLimits limits;
  private final ParserOptions parserOptions;
  // What was decided about a document; null verdicts (go on) are kept as NONE.
  private final Cache<Asked, Refusal> verdicts;

  /** One question the guard answers; the verdict depends on nothing else. */
  private record Asked(
      String query, String operationName, boolean signedIn, boolean refuseSyntaxErrors) {}

  private static final Refusal NONE = new Refusal("", "");

  public RequestGuard(GraphQLLimits limits) {
    this.limits = limits;
    this.verdicts =
        Caffeine.newBuilder()
            .maximumWeight(limits.documentCacheCharacters())
            .weigher((Asked asked, Refusal r) -> asked.query().length())
            .build();
    this.parserOptions =
        ParserOptions.getDefaultOperationParserOptions()
            .transform(
                o ->
                    o.maxCharacters(limits.maxCharacters())
                        .maxTokens(limits.maxTokens())
                        .maxRuleDepth(limits.maxRuleDepth())
                        .captureIgnoredChars(false)
                        .captureLineComments(false));
  }

  /**
   * Why the request must not run, or null when it may go on to SmallRye GraphQL (which reports
   * syntax errors and unknown operations itself, as before).
   *
   * @param signedIn whether the request carries a valid token
   */
  public Refusal check(String query, String operationName, boolean signedIn) {
    return check(query, operationName, signedIn, false);
  }

  /**
   * Like {@link #check(String, String, boolean)}; with {@code refuseSyntaxErrors} a signed-in
   * caller's document that does not parse is refused here ({@code VALIDATION}), so that the HTTP
   * edge can answer it with 400 (application/graphql-response+json).
   */
  public Refusal check(
      String query, String operationName, boolean signedIn, boolean refuseSyntaxErrors) {
    if (query == null || query.isBlank()) {
      return signedIn ? null : unauthenticated();
    }
    if (query.length() > limits.maxCharacters()) {
      return decide(query, operationName, signedIn, refuseSyntaxErrors);
    }
    // The same documents come again and again: each is read once per replica.
    Refusal verdict =
        verdicts.get(
            new Asked(query, operationName, signedIn, refuseSyntaxErrors),
            a -> {
              Refusal r =
                  decide(a.query(), a.operationName(), a.signedIn(), a.refuseSyntaxErrors());
              return r == null ? NONE : r;
            });
    return verdict == NONE ? null : verdict;
  }

  private Refusal decide(
      String query, String operationName, boolean signedIn, boolean refuseSyntaxErrors) {
    if (query == null || query.isBlank()) {
      return signedIn ? null : unauthenticated();
    }
    if (query.length() > limits.maxCharacters()) {
      return validation(
          "the document is longer than " + limits.maxCharacters() + " characters; send less");
    }
    Document document;
    try {
      document =
          Parser.parse(
              ParserEnvironment.newParserEnvironment()
                  .document(query)
                  .parserOptions(parserOptions)
                  .build());
    } catch (ParseCancelledException
        | ParseCancelledTooDeepException
        | ParseCancelledTooManyCharsException e) {
      return validation("the document is too long or too deeply nested: " + e.getMessage());
    } catch (InvalidSyntaxException e) {
      if (!signedIn) {
        return unauthenticated();
      }
      return refuseSyntaxErrors
          ? validation("the document does not parse: " + e.getMessage())
          : null;
    }
    int spreads = DocumentShape.spreads(document);
    if (spreads > limits.maxFragmentSpreads()) {
      return validation(
          "the document spreads fragments "
              + spreads
              + " times; at most "
              + limits.maxFragmentSpreads()
              + " are allowed");
    }
    DocumentShape shape = new DocumentShape(document);
    List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class);
    try {
      for (OperationDefinition operation : operations) {
        Refusal refusal = bounds(shape, operation);
        if (refusal != null) {
          return refusal;
        }
      }
      if (signedIn) {
        return null;
      }
      OperationDefinition chosen = chosen(operations, operationName);
      return chosen != null && isPublic(chosen, shape) ? null : unauthenticated();
    } catch (DocumentShape.FragmentCycle e) {
      return validation(e.getMessage());
    }
  }

  private Refusal bounds(DocumentShape shape, OperationDefinition operation) {
    String name = operation.getName() == null ? "the operation" : operation.getName();
    DocumentShape.Cost cost = shape.cost(operation);
    if (cost.fields() > limits.maxFields()) {
      return validation(
          name
              + " selects "
              + (cost.fields() == Long.MAX_VALUE ? "too many" : String.valueOf(cost.fields()))
              + " fields once its fragments are expanded; at most "
              + limits.maxFields()
              + " are allowed");
    }
    long roots = shape.rootFields(operation);
    if (roots > limits.maxRootFields()) {
      return validation(
          name
              + " has "
              + roots
              + " root fields (aliases count each); at most "
              + limits.maxRootFields()
              + " are allowed in one request");
    }
    if (cost.depth() > limits.maxDepth()) {
      return validation(
          name + " nests fields " + cost.depth() + " deep; at most " + limits.maxDepth());
    }
    return null;
  }

  private static OperationDefinition chosen(List<OperationDefinition> operations, String name) {
    if (name == null || name.isEmpty()) {
      return operations.size() == 1 ? operations.get(0) : null;
    }
    return operations.stream().filter(o -> name.equals(o.getName())).findFirst().orElse(null);
  }

  private static boolean isPublic(OperationDefinition operation, DocumentShape shape) {
    Set<String> allowed =
        switch (operation.getOperation()) {
          case QUERY -> PUBLIC_QUERY_FIELDS;
          case MUTATION -> PUBLIC_MUTATION_FIELDS;
          default -> Set.of();
        };
    return allowed.containsAll(shape.rootFieldNames(operation));
  }

  private static Refusal validation(String message) {
    return new Refusal(RequestErrorCodes.VALIDATION, message);
  }

  private static Refusal unauthenticated() {
    return new Refusal(
        "UNAUTHENTICATED",
        "sign in first: send Authorization: Bearer <token> (only login runs without)");
  }
}
