package io.opencdi.protocol;

/**
 * Close codes an agent ends a file tunnel with when the operation failed (see {@link FileOpen});
 * 1000 means it was done. The reason says what a person can act on and never names host paths.
 */
public final class FileCloseCodes {
  /** The name is not one {@link FileNames#valid} accepts. */
  public static final int INVALID_NAME = 4400;

  /** No regular file of that name is at the top of the home (or it is not the user's to read). */
  public static final int NOT_FOUND = 4404;

  /** An upload names a file that exists: nothing is replaced. */
  public static final int EXISTS = 4409;

  /** More bytes than the template's limit: nothing of the upload is kept. */
  public static final int TOO_LARGE = 4413;

  /**
   * The tunnel broke the file protocol: bytes before the agent was ready, a wrong end count, an
   * unexpected frame. Nothing of an upload is kept.
   */
  public static final int PROTOCOL_ERROR = 4422;

  /** The home could not be read or written (full, I/O error); nothing of an upload is kept. */
  public static final int FAILED = 4500;

  private FileCloseCodes() {}
}
