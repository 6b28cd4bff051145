package io.opencdi.agent.runtime.simulated;

import java.util.List;

/** A fleet file could not be read or is invalid; the message names the file and each bad entry. */
public class FleetException extends RuntimeException {
  private final List<String> problems;

  FleetException(String source, List<String> problems, Throwable cause) {
    super(format(source, problems), cause);
    this.problems = List.copyOf(problems);
  }

  /** Each problem, starting with the path of the bad entry, e.g. {@code clusters[2].nodes[0]}. */
  public List<String> problems() {
    return problems;
  }

  private static String format(String source, List<String> problems) {
    StringBuilder message = new StringBuilder("invalid fleet file ").append(source).append(':');
    for (String problem : problems) {
      message.append("\n  - ").append(problem);
    }
    return message.toString();
  }
}
