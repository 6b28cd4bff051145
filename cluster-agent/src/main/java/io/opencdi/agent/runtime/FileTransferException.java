package io.opencdi.agent.runtime;

import io.opencdi.protocol.FileCloseCodes;

/**
 * A file operation of {@link DesktopFiles} that did not happen: {@link #code()} is the {@link
 * FileCloseCodes code} the file tunnel closes with, and the message is for a person: it never names
 * host paths nor repeats what a helper program printed.
 */
public final class FileTransferException extends Exception {
  private final int code;

  public FileTransferException(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** One of {@link FileCloseCodes}. */
  public int code() {
    return code;
  }
}
