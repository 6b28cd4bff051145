package io.opencdi.protocol;

/**
 * A command to an agent. Commands are idempotent: a repeated command with the same effect is
 * acknowledged without doing anything twice.
 *
 * @param commandId unique id echoed in the {@link CommandAck}
 * @param kind what to do
 * @param desktop the desktop's desired state after the command
 */
public record Command(String commandId, CommandKind kind, DesktopSpec desktop) implements Message {}
