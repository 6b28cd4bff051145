package io.opencdi.gateway.template;

import org.eclipse.microprofile.graphql.Description;

/** Which way the clipboard may cross between the viewer and the desktop. */
@Description("Which way the clipboard may cross between the viewer and the desktop.")
public enum ClipboardPolicy {
  /** Both ways. */
  BOTH,
  /** Only from the viewer's machine into the desktop. */
  TO_DESKTOP,
  /** Only from the desktop out to the viewer's machine. */
  FROM_DESKTOP,
  /** Neither way. */
  NONE;

  /** Whether text copied on the viewer's machine may be pasted in the desktop. */
  public boolean toDesktop() {
    return this == BOTH || this == TO_DESKTOP;
  }

  /** Whether text copied in the desktop may reach the viewer's machine. */
  public boolean fromDesktop() {
    return this == BOTH || this == FROM_DESKTOP;
  }
}
