package io.opencdi.protocol;

/**
 * The agent's acknowledgement of a {@link Command}: accepted means the agent will converge on the
 * desired state and report it through {@link DesktopStatus}; refused carries the reason.
 *
 * @param commandId the command acknowledged
 * @param accepted whether the agent took the command
 * @param error reason for a refusal, or null
 */
public record CommandAck(String commandId, boolean accepted, String error) implements Message {}
