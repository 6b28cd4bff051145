package io.opencdi.loadtest.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain GraphQL-over-HTTP client for the harness's own calls (readiness, set-up). */
public final class GraphQLClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Operations operations;

  public GraphQLClient(Operations operations) {
    this.operations = operations;
  }

  /** Runs {@code operation} of document {@code file} and returns the whole response. */
  public JsonNode run(
      String baseUrl, String token, String file, String operation, Map<String, Object> variables) {
    try {
      String body =
          JSON.writeValueAsString(
              Map.of(
                  "query",
                  operations.document(file),
                  "operationName",
                  operation,
                  "variables",
                  variables));
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(baseUrl + "/graphql"))
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .header("Authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code url} answers 200 (health endpoints). */
  public boolean ok(String url) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
