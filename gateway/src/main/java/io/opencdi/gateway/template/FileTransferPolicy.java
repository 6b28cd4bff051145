package io.opencdi.gateway.template;

import org.eclipse.microprofile.graphql.Description;

/** Which way files may move between the portal and the desktop's home. */
@Description("Which way files may move between the portal and the desktop's home.")
public enum FileTransferPolicy {
  /** Upload and download. */
  BOTH,
  /** Only from the user's machine into the home. */
  UPLOAD,
  /** Only from the home to the user's machine. */
  DOWNLOAD,
  /** Neither. */
  NONE;

  /** Whether files may go from the user's machine into the home. */
  public boolean uploads() {
    return this == BOTH || this == UPLOAD;
  }

  /** Whether files may go from the home to the user's machine. */
  public boolean downloads() {
    return this == BOTH || this == DOWNLOAD;
  }
}
