package io.opencdi.loadtest.simulation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opencdi.loadtest.harness.Operations;
import java.util.LinkedHashMap;
import java.util.Map;

/** GraphQL request bodies from the shared operation documents, and their answers. */
final class Gql {
  static final ObjectMapper JSON = new ObjectMapper();

  private Gql() {}

  /** A GraphQL-over-HTTP request body. */
  static String body(Operations ops, String file, String operation, Map<String, Object> variables) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("query", ops.document(file));
    body.put("operationName", operation);
    body.put("variables", variables);
    return write(body);
  }

  static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + abbreviate(json), e);
    }
  }

  /** The first error's {@code extensions.code}, or null when the answer has no error. */
  static String errorCode(JsonNode answer) {
    JsonNode errors = answer.path("errors");
    if (!errors.isArray() || errors.isEmpty()) {
      return null;
    }
    String code = errors.get(0).path("extensions").path("code").asText(null);
    return code == null ? "NO_CODE" : code;
  }

  static String errorMessage(JsonNode answer) {
    return abbreviate(answer.path("errors").path(0).path("message").asText(""));
  }

  static String abbreviate(String s) {
    return s.length() > 400 ? s.substring(0, 400) + "…" : s;
  }
}
