package io.opencdi.gateway.desktop.api;

import io.opencdi.protocol.DesktopState;
import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/**
 * A change of a desktop, or a PDF it printed.
 *
 * @param desktop the desktop after the change
 * @param previousState its state before, or null when it was created
 * @param at when the gateway recorded the change
 * @param printed the PDF the desktop printed, for a print's event (its state did not change: the
 *     previous state is the current one); null for every other event
 */
@Description(
    "A change of a desktop: its new state and what it was before; or a PDF it printed (`printed`"
        + " set, the state unchanged).")
public record DesktopEvent(
    @NonNull Desktop desktop,
    DesktopState previousState,
    @NonNull OffsetDateTime at,
    PrintedFile printed) {

  /** A change of state (or a creation, {@code previousState} null). */
  public DesktopEvent(Desktop desktop, DesktopState previousState, OffsetDateTime at) {
    this(desktop, previousState, at, null);
  }
}
