package io.opencdi.loadtest.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway's timers as it exposes them on {@code /q/metrics} (Prometheus text, cumulative
 * buckets), read at the end of a run: the harness asks where inside the gateway a delay built up. A
 * quantile is the upper bound of the first bucket that holds it, so it reads "at most".
 *
 * <p>Parsed here rather than with a client library: Prometheus' Java libraries write this format
 * but do not read it, and only the bucket lines of one histogram are needed.
 */
public final class GatewayHistograms {
  private static final Pattern BUCKET =
      Pattern.compile("^(\\S+)_bucket\\{(?:[^}]*,)?le=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String text;

  public GatewayHistograms(String text) {
    this.text = text;
  }

  /** Reads {@code baseUrl/q/metrics}, which a gateway answers on loopback without a token. */
  public static GatewayHistograms of(String baseUrl) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
              .timeout(Duration.ofSeconds(30))
              .GET()
              .build();
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(baseUrl + "/q/metrics answered " + response.statusCode());
      }
      return new GatewayHistograms(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The cumulative count of each bucket of histogram {@code name} (Prometheus spelling, e.g. {@code
   * opencdi_graphql_subscription_written_seconds}), by upper bound; +Inf as {@link
   * Double#POSITIVE_INFINITY}.
   */
  public Map<Double, Double> buckets(String name) {
    Map<Double, Double> buckets = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = BUCKET.matcher(line);
      if (m.find() && m.group(1).equals(name)) {
        double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : parse(m.group(2));
        buckets.merge(le, parse(m.group(3)), Double::sum);
      }
    }
    return buckets;
  }

  /** The value of the sample {@code name} without labels (a counter's {@code _total}), or 0. */
  public double value(String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return parse(line.substring(name.length() + 1).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }

  /** How many values histogram {@code name} recorded. */
  public long count(String name) {
    Double all = buckets(name).get(Double.POSITIVE_INFINITY);
    return all == null ? 0 : all.longValue();
  }

  /**
   * The upper bound of the bucket that holds quantile {@code q} (0–1) of histogram {@code name}, in
   * the histogram's unit; NaN when it recorded nothing.
   */
  public double quantile(String name, double q) {
    Map<Double, Double> buckets = buckets(name);
    double all = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    if (all == 0) {
      return Double.NaN;
    }
    double wanted = Math.ceil(q * all);
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      if (b.getValue() >= wanted) {
        return b.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private static double parse(String number) {
    return Double.parseDouble(number);
  }
}
