package io.opencdi.gateway.desktop;

import io.opencdi.protocol.DesktopStatus;
import java.util.UUID;

/** Something an agent told the gateway about one desktop: an observed status or a command ack. */
public sealed interface DesktopReport {
  /** The agent observed the desktop in {@code status}. */
  record Observed(DesktopStatus status) implements DesktopReport {}

  /** The agent accepted, or refused with {@code error}, a command for the desktop. */
  record Acknowledged(UUID desktopId, boolean accepted, String error) implements DesktopReport {}
}
