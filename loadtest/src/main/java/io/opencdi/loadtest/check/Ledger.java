package io.opencdi.loadtest.check;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the clients of a run were told: for every request id, the desktop the gateway answered with,
 * the error code it refused with, or that the outcome is unknown (a timeout or a broken connection,
 * after which the desktop may or may not exist). The consistency check compares it with the
 * database.
 */
public final class Ledger {
  /** What one request id ended in. */
  public sealed interface Outcome {
    String owner();
  }

  /** The gateway answered with this desktop. */
  public record Created(String owner, String desktopId) implements Outcome {}

  /** The gateway refused with this {@code extensions.code}; a refusal must change nothing. */
  public record Refused(String owner, String code) implements Outcome {}

  /** No answer: the desktop may or may not exist. */
  public record Unknown(String owner, String reason) implements Outcome {}

  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
  private final AtomicLong conflicts = new AtomicLong();
  private final Map<String, String> examples = new ConcurrentHashMap<>();

  public void created(String requestId, String owner, String desktopId) {
    put(requestId, new Created(owner, desktopId));
  }

  public void refused(String requestId, String owner, String code, String message) {
    refusals.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
    examples.putIfAbsent(code, message);
    put(requestId, new Refused(owner, code));
  }

  public void unknown(String requestId, String owner, String reason) {
    put(requestId, new Unknown(owner, reason));
  }

  private void put(String requestId, Outcome outcome) {
    // A request id is sent once; a second outcome for it is a bug of the simulation.
    if (outcomes.putIfAbsent(requestId, outcome) != null) {
      conflicts.incrementAndGet();
    }
  }

  /** Whether an outcome is recorded for {@code requestId}. */
  public boolean has(String requestId) {
    return outcomes.containsKey(requestId);
  }

  public Map<String, Outcome> outcomes() {
    return Map.copyOf(outcomes);
  }

  public long created() {
    return outcomes.values().stream().filter(o -> o instanceof Created).count();
  }

  /** Refusals by error code. */
  public Map<String, Long> refusals() {
    Map<String, Long> m = new java.util.TreeMap<>();
    refusals.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /** The first message seen for each refusal code. */
  public Map<String, String> refusalExamples() {
    return new java.util.TreeMap<>(examples);
  }

  public long unknown() {
    return outcomes.values().stream().filter(o -> o instanceof Unknown).count();
  }

  /** Request ids recorded twice (must be 0). */
  public long conflicts() {
    return conflicts.get();
  }
}
