package io.opencdi.gateway.connect.rfb;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads one brokered RFB 3.8 connection (RFC 6143) in both directions, message by message, so that
 * the broker itself enforces the desktop's policies (docs/adr/0028-desktop-policies.md):
 *
 * <ul>
 *   <li>clipboard text (ClientCutText, ServerCutText) passes only in the directions the template
 *       allows and up to its size limit; refused text is dropped, the connection goes on;
 *   <li>the viewer may only negotiate encodings whose length the broker can tell (its SetEncodings
 *       is rewritten), so the display's stream can be followed to every ServerCutText;
 *   <li>only security type None is offered: the gateway's ticket is the authentication;
 *   <li>anything else it cannot follow ends the connection ({@link RfbRefused}).
 * </ul>
 *
 * It also records when the viewer last gave keyboard or pointer input, for the idle limit.
 */
public final class RfbInspector {
  private static final byte[] VERSION = "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII);

  /** Encodings a display stream may use: their data length is known from their header. */
  private static final int RAW = 0;

  private static final int COPY_RECT = 1;
  private static final int ZRLE = 16;
  private static final int DESKTOP_SIZE = -223;
  private static final int LAST_RECT = -224;
  private static final int CURSOR = -239;
  private static final int X_CURSOR = -240;
  private static final int POINTER_POS = -232;
  private static final int QEMU_POINTER_MOTION = -257;
  private static final int QEMU_EXTENDED_KEY = -258;
  private static final int DESKTOP_NAME = -307;
  private static final int EXTENDED_DESKTOP_SIZE = -308;
  private static final int FENCE = -312;
  private static final int CONTINUOUS_UPDATES = -313;

  private final ClipboardRules clipboard;
  private final ViewerStream viewer = new ViewerStream();
  private final DisplayStream display = new DisplayStream();
  private final AtomicLong droppedCutTexts = new AtomicLong();

  /** Bytes per pixel of raw pixel data: ServerInit's, then the viewer's SetPixelFormat. */
  private volatile int bytesPerPixel;

  /** Set once the viewer asked for pixels; the pixel format is fixed from then on. */
  private volatile boolean updatesRequested;

  private final Clock clock;
  private volatile long lastInputMillis;

  public RfbInspector(ClipboardRules clipboard) {
    this(clipboard, Clock.systemUTC());
  }

  /** An inspector that tells the time of the viewer's input by {@code clock}. */
  public RfbInspector(ClipboardRules clipboard, Clock clock) {
    this.clipboard = clipboard;
    this.clock = clock;
    this.lastInputMillis = clock.millis();
  }

  /** What of the viewer's bytes goes on to the desktop; throws {@link RfbRefused}. */
  public Buffer fromViewer(Buffer data) {
    return viewer.accept(data);
  }

  /** What of the desktop's bytes goes on to the viewer; throws {@link RfbRefused}. */
  public Buffer fromDesktop(Buffer data) {
    return display.accept(data);
  }

  /**
   * When the viewer last sent a key, pointer or paste (or when the inspector was made): the idle
   * limit's clock. Update requests, encodings and fences are not input.
   */
  public Instant lastInput() {
    return Instant.ofEpochMilli(lastInputMillis);
  }

  /** Clipboard messages dropped so far, both ways. */
  public long droppedCutTexts() {
    return droppedCutTexts.get();
  }

  private long cutText(boolean intoDesktop, Buffer data, int at, int available) {
    if (available < 8) {
      return 0;
    }
    long length = s32(data, at + 4);
    long total = 8 + Math.abs(length);
    if (clipboard.allows(intoDesktop, length)) {
      return total;
    }
    droppedCutTexts.incrementAndGet();
    return -total;
  }

  private static int s32(Buffer b, int at) {
    return b.getInt(at);
  }

  /** The length of a ProtocolVersion message at {@code at}: 0 until all of it is there. */
  private static long version(Buffer data, int at, int available, String who) {
    if (available < VERSION.length) {
      return 0;
    }
    if (!isVersion(data, at)) {
      throw new RfbRefused(who + " must speak RFB 3.8");
    }
    return VERSION.length;
  }

  private static boolean isVersion(Buffer data, int at) {
    for (int i = 0; i < VERSION.length; i++) {
      if (data.getByte(at + i) != VERSION[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean allowedEncoding(int e) {
    return switch (e) {
      case RAW,
          COPY_RECT,
          ZRLE,
          DESKTOP_SIZE,
          LAST_RECT,
          CURSOR,
          X_CURSOR,
          POINTER_POS,
          QEMU_POINTER_MOTION,
          QEMU_EXTENDED_KEY,
          DESKTOP_NAME,
          EXTENDED_DESKTOP_SIZE,
          FENCE,
          CONTINUOUS_UPDATES ->
          true;
      // Quality and compression levels (also the fine-grained ones) are hints without data.
      default -> (e >= -32 && e <= -23) || (e >= -256 && e <= -247) || (e >= -768 && e <= -412);
    };
  }

  /** Viewer to desktop. */
  private final class ViewerStream extends MessageStream {
    private int state; // 0 version, 1 security choice, 2 ClientInit, 3 messages

    @Override
    long next(Buffer data, int at, int available, Buffer out) {
      switch (state) {
        case 0 -> {
          long length = version(data, at, available, "the viewer");
          state = length == 0 ? 0 : 1;
          return length;
        }
        case 1 -> {
          if (u8(data, at) != 1) {
            throw new RfbRefused("the viewer must choose security type None");
          }
          state = 2;
          return 1;
        }
        case 2 -> {
          state = 3;
          return 1;
        }
        default -> {
          return message(data, at, available, out);
        }
      }
    }

    private long message(Buffer data, int at, int available, Buffer out) {
      int type = u8(data, at);
      switch (type) {
        case 0 -> { // SetPixelFormat
          if (available < 20) {
            return 0;
          }
          if (updatesRequested) {
            // Pixels already on their way use the old format; the broker could not follow them.
            throw new RfbRefused("the pixel format cannot change once updates were requested");
          }
          bytesPerPixel = pixelBytes(u8(data, at + 4));
          return 20;
        }
        case 2 -> { // SetEncodings
          if (available < 4) {
            return 0;
          }
          int count = u16(data, at + 2);
          if (4 + 4L * count > MAX_HEADER) {
            throw new RfbRefused("too many encodings");
          }
          if (available < 4 + 4 * count) {
            return 0;
          }
          Buffer kept = Buffer.buffer();
          for (int i = 0; i < count; i++) {
            int e = s32(data, at + 4 + 4 * i);
            if (allowedEncoding(e)) {
              kept.appendInt(e);
            }
          }
          out.appendByte((byte) 2).appendByte((byte) 0);
          out.appendUnsignedShort(kept.length() / 4).appendBuffer(kept);
          return -(4 + 4L * count);
        }
        case 3 -> { // FramebufferUpdateRequest
          updatesRequested = true;
          return 10;
        }
        case 4 -> { // KeyEvent
          lastInputMillis = clock.millis();
          return 8;
        }
        case 5 -> { // PointerEvent
          lastInputMillis = clock.millis();
          return 6;
        }
        case 6 -> { // ClientCutText
          long decided = cutText(true, data, at, available);
          if (decided != 0) {
            lastInputMillis = clock.millis();
          }
          return decided;
        }
        case 150 -> { // EnableContinuousUpdates
          updatesRequested = true;
          return 10;
        }
        case 248 -> { // ClientFence
          return available < 9 ? 0 : 9 + u8(data, at + 8);
        }
        case 251 -> { // SetDesktopSize
          return available < 8 ? 0 : 8 + 16L * u8(data, at + 6);
        }
        case 255 -> { // QEMU client message: only the extended key event
          if (available < 2) {
            return 0;
          }
          if (u8(data, at + 1) != 0) {
            throw new RfbRefused("unsupported QEMU message " + u8(data, at + 1));
          }
          lastInputMillis = clock.millis();
          return 12;
        }
        default -> throw new RfbRefused("unsupported viewer message type " + type);
      }
    }
  }

  private static int pixelBytes(int bitsPerPixel) {
    if (bitsPerPixel != 8 && bitsPerPixel != 16 && bitsPerPixel != 32) {
      throw new RfbRefused("unsupported bits per pixel " + bitsPerPixel);
    }
    return bitsPerPixel / 8;
  }

  /** Desktop to viewer. */
  private final class DisplayStream extends MessageStream {
    // 0 version, 1 security types, 2 security result, 3 ServerInit, 4 messages, 5 rectangles,
    // 6 failing (a refusal's reason, then the display closes: passed as it is)
    private int state;
    private int rectangles; // left in this update; -1: until LastRect

    @Override
    long next(Buffer data, int at, int available, Buffer out) {
      switch (state) {
        case 0 -> {
          long length = version(data, at, available, "the display");
          state = length == 0 ? 0 : 1;
          return length;
        }
        case 1 -> {
          int count = u8(data, at);
          if (count == 0) {
            state = 6;
            return 1;
          }
          if (available < 1 + count) {
            return 0;
          }
          boolean none = false;
          for (int i = 0; i < count; i++) {
            none |= u8(data, at + 1 + i) == 1;
          }
          if (!none) {
            throw new RfbRefused("the display does not offer security type None");
          }
          out.appendByte((byte) 1).appendByte((byte) 1);
          state = 2;
          return -(1 + count);
        }
        case 2 -> {
          if (available < 4) {
            return 0;
          }
          state = u32(data, at) == 0 ? 3 : 6;
          return 4;
        }
        case 3 -> {
          if (available < 24) {
            return 0;
          }
          bytesPerPixel = pixelBytes(u8(data, at + 4));
          state = 4;
          return 24 + u32(data, at + 20);
        }
        case 4 -> {
          return message(data, at, available);
        }
        case 5 -> {
          return rectangle(data, at, available);
        }
        default -> {
          return available;
        }
      }
    }

    private long message(Buffer data, int at, int available) {
      int type = u8(data, at);
      switch (type) {
        case 0 -> { // FramebufferUpdate
          if (available < 4) {
            return 0;
          }
          int count = u16(data, at + 2);
          if (count != 0) {
            rectangles = count == 0xffff ? -1 : count;
            state = 5;
          }
          return 4;
        }
        case 1 -> { // SetColourMapEntries
          return available < 6 ? 0 : 6 + 6L * u16(data, at + 4);
        }
        case 2, 150 -> { // Bell, EndOfContinuousUpdates
          return 1;
        }
        case 3 -> { // ServerCutText
          return cutText(false, data, at, available);
        }
        case 248 -> { // ServerFence
          return available < 9 ? 0 : 9 + u8(data, at + 8);
        }
        default -> throw new RfbRefused("unsupported display message type " + type);
      }
    }

    private long rectangle(Buffer data, int at, int available) {
      if (available < 12) {
        return 0;
      }
      long w = u16(data, at + 4);
      long h = u16(data, at + 6);
      int encoding = s32(data, at + 8);
      long length =
          switch (encoding) {
            case RAW -> 12 + w * h * bytesPerPixel;
            case COPY_RECT -> 16;
            case ZRLE -> available < 16 ? 0 : 16 + u32(data, at + 12);
            case DESKTOP_SIZE, LAST_RECT, POINTER_POS, QEMU_POINTER_MOTION, QEMU_EXTENDED_KEY -> 12;
            case CURSOR -> 12 + w * h * bytesPerPixel + (w + 7) / 8 * h;
            case X_CURSOR -> w * h == 0 ? 12 : 12 + 6 + 2 * ((w + 7) / 8) * h;
            case DESKTOP_NAME -> available < 16 ? 0 : 16 + u32(data, at + 12);
            case EXTENDED_DESKTOP_SIZE -> available < 13 ? 0 : 16 + 16L * u8(data, at + 12);
            default -> throw new RfbRefused("unsupported encoding " + encoding);
          };
      if (length == 0) {
        return 0;
      }
      if (encoding == LAST_RECT || (rectangles > 0 && --rectangles == 0)) {
        state = 4;
      }
      return length;
    }
  }
}
