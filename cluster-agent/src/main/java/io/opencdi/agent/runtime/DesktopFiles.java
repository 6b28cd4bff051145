package io.opencdi.agent.runtime;

import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileNames;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The files at the top of one running desktop's home, as the desktop's own user sees them (ADR
 * 0042): what a file tunnel lists, downloads and uploads. An implementation does every operation
 * with that user's rights, so the kernel refuses what the user could not do. Names are those of
 * {@link FileNames#valid}; anything else is refused with {@link FileCloseCodes#INVALID_NAME}.
 *
 * <p>Every method blocks (it runs helper programs or does file I/O): call it on a worker thread.
 * Failures are {@link FileTransferException}s carrying a {@link FileCloseCodes} code.
 */
public interface DesktopFiles {
  /** At most this many files are listed. */
  int MAX_LISTED = 1000;

  /**
   * The regular, not hidden files at the top of the home whose names {@link FileNames#valid}
   * accepts, sorted by name, at most {@value #MAX_LISTED}. Directories, symbolic links and special
   * files are left out.
   */
  List<FileEntry> list() throws FileTransferException;

  /**
   * Opens a regular file of the home to read it. A name that is no regular file (a symbolic link, a
   * directory, a FIFO), that does not exist or that the user may not read is {@link
   * FileCloseCodes#NOT_FOUND}; a file larger than {@code maxBytes} is {@link
   * FileCloseCodes#TOO_LARGE}.
   */
  Download open(String name, long maxBytes) throws FileTransferException;

  /**
   * Starts a new file of the home. A name that exists (even as a dangling symbolic link) is {@link
   * FileCloseCodes#EXISTS}. The bytes are written to a hidden temporary file in the home and only
   * get the name when {@link Upload#commit} succeeds.
   */
  Upload create(String name) throws FileTransferException;

  /** A file being read; {@link #stream()} gives exactly {@link #size()} bytes, or fails. */
  interface Download extends Closeable {
    /** The file's length when it was opened: the number of bytes {@link #stream()} gives. */
    long size();

    /**
     * The bytes; ends after {@link #size()} bytes. An {@link IOException} means the file could not
     * be read to its end (it changed, the read stalled) and the transfer failed.
     */
    InputStream stream();

    /** Ends the read (and its helper), whether or not all was read. Never throws. */
    @Override
    void close();
  }

  /** A file being written; nothing of it has the name until {@link #commit}. */
  interface Upload extends Closeable {
    /**
     * Where the bytes go. An {@link IOException} means they could not be written (the disk is full,
     * the write stalled): {@link #abort()} then.
     */
    OutputStream stream();

    /**
     * Gives the written file its name, never replacing anything. Fails with {@link
     * FileCloseCodes#PROTOCOL_ERROR} when {@code expectedBytes} is not what was written, {@link
     * FileCloseCodes#EXISTS} when the name was taken meanwhile, {@link FileCloseCodes#FAILED} when
     * the bytes could not be stored; nothing of the upload stays in the home when it fails.
     *
     * @return the file's size
     */
    long commit(long expectedBytes) throws FileTransferException;

    /** Drops what was written; nothing of the upload stays. Idempotent, never throws. */
    void abort();

    /** {@link #abort()} unless committed. */
    @Override
    default void close() {
      abort();
    }
  }
}
