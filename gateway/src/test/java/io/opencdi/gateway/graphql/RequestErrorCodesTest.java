package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExceptionWhileDataFetching;
import graphql.GraphQLError;
import graphql.execution.ResultPath;
import graphql.language.SourceLocation;
import io.opencdi.gateway.common.NotFoundException;
import io.smallrye.mutiny.CompositeException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Codes of errors that resolvers raise, as clients see them. */
class RequestErrorCodesTest {

  private static GraphQLError fetching(Throwable failure) {
    return new ExceptionWhileDataFetching(
        ResultPath.parse("/createDesktop"), failure, new SourceLocation(1, 12));
  }

  @Test
  void anUndocumentedFailureIsInternalAndSaysNothingOfItsCause() {
    GraphQLError coded =
        RequestErrorCodes.withCodes(
                List.of(
                    fetching(
                        new CompletionException(
                            new IllegalStateException(
                                "could not determine data type of parameter $3")))))
            .get(0);
    assertThat(coded.getExtensions()).containsEntry("code", "INTERNAL");
    assertThat(coded.getMessage()).isEqualTo("System error");
    assertThat(coded.getPath()).containsExactly("createDesktop");
    assertThat(coded.getLocations()).containsExactly(new SourceLocation(1, 12));
  }

  @Test
  void documentedErrorsKeepTheirOwnCodeEvenWhenWrapped() {
    GraphQLError plain = fetching(new NotFoundException("no desktop with id x"));
    GraphQLError wrapped =
        fetching(
            new CompletionException(
                new CompositeException(
                    new IllegalStateException("rollback"), new NotFoundException("gone"))));
    assertThat(RequestErrorCodes.withCodes(List.of(plain, wrapped)))
        .containsExactly(plain, wrapped);
  }
}
