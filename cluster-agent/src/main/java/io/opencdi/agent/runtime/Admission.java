package io.opencdi.agent.runtime;

/**
 * A runtime's immediate answer to a command: accepted (it will converge and report statuses) or
 * refused with a human-readable reason (nothing changed, no status follows).
 *
 * @param accepted whether the runtime took the command
 * @param reason why it was refused, or null when accepted
 */
public record Admission(boolean accepted, String reason) {
  private static final Admission ACCEPTED = new Admission(true, null);

  public Admission {
    if (!accepted && (reason == null || reason.isBlank())) {
      throw new IllegalArgumentException("a refusal needs a reason");
    }
  }

  /** The command was taken. */
  public static Admission accept() {
    return ACCEPTED;
  }

  /** The command was refused for {@code reason}. */
  public static Admission refuse(String reason) {
    return new Admission(false, reason);
  }
}
