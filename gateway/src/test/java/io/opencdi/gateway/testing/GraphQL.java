package io.opencdi.gateway.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Sends the shared operation documents of graphql-schema (operations/*.graphql) to the gateway, as
 * any client would.
 */
public final class GraphQL {
  private static final Map<String, String> DOCUMENTS = new ConcurrentHashMap<>();

  private GraphQL() {}

  /** The document file that holds an operation, e.g. {@code desktops} for CreateDesktop. */
  public static String document(String file) {
    return DOCUMENTS.computeIfAbsent(
        file,
        f -> {
          try (InputStream in =
              GraphQL.class.getClassLoader().getResourceAsStream("operations/" + f + ".graphql")) {
            if (in == null) {
              throw new IllegalArgumentException("no operations/" + f + ".graphql");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** Runs {@code operation} from {@code file} with a bearer token (or none when null). */
  public static JsonPath run(String token, String file, String operation, Object... variables) {
    return runAt(0, token, file, operation, variables);
  }

  /**
   * Runs {@code operation} from the documents of {@code files} sent together, for a file whose
   * operations spread fragments of others (console.graphql: those of desktops and clusters).
   */
  public static JsonPath run(
      String token, List<String> files, String operation, Object... variables) {
    String query = files.stream().map(GraphQL::document).collect(Collectors.joining("\n"));
    return send(0, token, query, operation, variables);
  }

  /** Like {@link #run}, against the gateway on {@code port} (0: the application under test). */
  public static JsonPath runAt(
      int port, String token, String file, String operation, Object... variables) {
    return send(port, token, document(file), operation, variables);
  }

  private static JsonPath send(
      int port, String token, String query, String operation, Object... variables) {
    Map<String, Object> vars = new HashMap<>();
    for (int i = 0; i < variables.length; i += 2) {
      vars.put((String) variables[i], variables[i + 1]);
    }
    Map<String, Object> body = new HashMap<>();
    body.put("query", query);
    body.put("operationName", operation);
    body.put("variables", vars);
    var request = given().contentType(ContentType.JSON).body(body);
    if (port != 0) {
      request = request.port(port);
    }
    if (token != null) {
      request = request.header("Authorization", "Bearer " + token);
    }
    return request.post("/graphql").then().statusCode(200).extract().jsonPath();
  }

  /** Signs in and returns the bearer token. */
  public static String login(String username) {
    return loginAt(0, username);
  }

  /** Signs in at the gateway on {@code port} (0: the application under test). */
  public static String loginAt(int port, String username) {
    JsonPath r = runAt(port, null, "auth", "Login", "username", username, "password", username);
    String token = r.getString("data.login.token");
    if (token == null) {
      throw new AssertionError("login of " + username + " failed: " + r.prettify());
    }
    return token;
  }

  /** The first error's extensions.code, or null. */
  public static String errorCode(JsonPath r) {
    return r.getString("errors[0].extensions.code");
  }
}
