package io.opencdi.gateway.common;

import graphql.ErrorClassification;
import graphql.ErrorType;
import graphql.GraphQLError;
import graphql.language.SourceLocation;
import io.smallrye.graphql.api.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code RATE_LIMITED}: the caller sent more of these requests than they may (creations per user,
 * sign-in attempts after failures); refused at once, nothing was changed. {@code
 * extensions.retryAfterSeconds} says when to try again. Being a {@link GraphQLError} is how the
 * hint reaches the error's extensions: graphql-java copies an exception's own extensions there.
 */
@ErrorCode("RATE_LIMITED")
public class RateLimitedException extends ApiException implements GraphQLError {
  public static final String RETRY_AFTER = "retryAfterSeconds";

  private final long retryAfterSeconds;

  public RateLimitedException(String message, Duration retryAfter) {
    super(message);
    // Whole seconds, rounded up: a client that waits the hint is not refused again for the wait.
    this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  @Override
  public List<SourceLocation> getLocations() {
    return null;
  }

  @Override
  public ErrorClassification getErrorType() {
    return ErrorType.DataFetchingException;
  }

  @Override
  public Map<String, Object> getExtensions() {
    return Map.of(RETRY_AFTER, retryAfterSeconds);
  }
}
