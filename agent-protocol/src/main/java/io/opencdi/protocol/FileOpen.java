package io.opencdi.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Asks the agent for a file tunnel (gateway → agent): one listing, upload or download in the home
 * of a running desktop, on behalf of a user the gateway has authorised under the template's file
 * transfer policy (ADR 0042). The agent checks the desktop and dials back on {@link
 * ProtocolVersion#tunnelPath(String)} with its own token, as for a display tunnel, or answers
 * {@link TunnelRefused}. What flows in the tunnel is in docs/agent-protocol.md, "File tunnels";
 * failures about the file itself close the tunnel with a {@link FileCloseCodes code}.
 *
 * <p>Added within version 1: an older agent ignores the frame, and the gateway answers the user
 * that the agent did not open a tunnel in time.
 *
 * @param tunnelId random id the gateway issued; names the dial-back path, valid for seconds
 * @param desktopId the desktop whose home is meant
 * @param cluster the cluster (served by this agent) that runs the desktop
 * @param dialBackUrl as in {@link TunnelOpen#dialBackUrl()}: null means the link's own gateway
 * @param op what to do
 * @param name the file, for {@code UPLOAD} and {@code DOWNLOAD}: one name of {@link FileNames}, at
 *     the top of the home; null for {@code LIST}
 * @param maxBytes the largest file the template lets through, for {@code UPLOAD} and {@code
 *     DOWNLOAD}
 * @param folder where the file is: {@link Folder#HOME} (also when null, as older gateways send) or
 *     {@link Folder#PRINTS}, which takes no uploads (ADR 0043)
 */
public record FileOpen(
    String tunnelId,
    String desktopId,
    String cluster,
    @JsonInclude(JsonInclude.Include.NON_NULL) String dialBackUrl,
    Op op,
    @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    long maxBytes,
    @JsonInclude(JsonInclude.Include.NON_NULL) Folder folder)
    implements Message {

  /** A request about the top of the desktop's home. */
  public FileOpen(
      String tunnelId,
      String desktopId,
      String cluster,
      String dialBackUrl,
      Op op,
      String name,
      long maxBytes) {
    this(tunnelId, desktopId, cluster, dialBackUrl, op, name, maxBytes, null);
  }

  /** The folder meant: the home unless the request names the prints. */
  public Folder folderOrHome() {
    return folder == null ? Folder.HOME : folder;
  }

  /** Where the files of a request are. */
  public enum Folder {
    /** The top of the desktop's home. */
    HOME,
    /**
     * The PDFs the desktop's virtual printer made, one per print job, outside the home: listed and
     * downloaded only.
     */
    PRINTS
  }

  /** One file operation. */
  public enum Op {
    /** The regular, not hidden files at the top of the home, with their sizes. */
    LIST,
    /** A new file from the gateway into the home; never replaces an existing one. */
    UPLOAD,
    /** A file of the home to the gateway. */
    DOWNLOAD
  }
}
