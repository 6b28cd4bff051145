package io.opencdi.protocol;

/**
 * A command to an agent. Commands are idempotent: a repeated command with the same effect is
 * acknowledged without doing anything twice.
 *
 * @param commandId unique id echoed in the {@link CommandAck}
 * @param kind what to do
 * @param desktop the desktop's desired state after the command (for snapshot commands: the desktop
 *     whose volume is copied)
 * @param snapshot the snapshot that {@link CommandKind#SNAPSHOT} takes or {@link
 *     CommandKind#DELETE_SNAPSHOT} removes; null for the other kinds
 */
public record Command(
    String commandId, CommandKind kind, DesktopSpec desktop, SnapshotSpec snapshot)
    implements Message {

  /** A command about the desktop alone. */
  public Command(String commandId, CommandKind kind, DesktopSpec desktop) {
    this(commandId, kind, desktop, null);
  }
}
