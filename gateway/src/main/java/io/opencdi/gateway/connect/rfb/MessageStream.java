package io.opencdi.gateway.connect.rfb;

import io.vertx.core.buffer.Buffer;

/**
 * One direction of an RFB connection cut at message boundaries, whatever the WebSocket framing: a
 * subclass looks at the start of each message and says how many bytes pass unchanged or are dropped
 * (or writes a replacement). Only message headers are buffered; pixel data streams through.
 */
abstract class MessageStream {
  /** Bytes of one header the stream may hold while waiting for the rest (a long encoding list). */
  static final int MAX_HEADER = 16 * 1024;

  private static final Buffer NOTHING = Buffer.buffer(0);

  private Buffer pending = NOTHING;
  private long pass;
  private long skip;

  /** What of {@code in} goes on to the peer. */
  final Buffer accept(Buffer in) {
    if (pending.length() == 0 && pass >= in.length()) {
      pass -= in.length(); // the common case: a chunk of pixels, forwarded as it is
      return in;
    }
    Buffer data = pending.length() == 0 ? in : pending.appendBuffer(in);
    pending = NOTHING;
    Buffer out = Buffer.buffer(data.length());
    int pos = 0;
    int end = data.length();
    while (pos < end) {
      if (pass > 0) {
        int n = (int) Math.min(pass, end - pos);
        out.appendBuffer(data, pos, n);
        pos += n;
        pass -= n;
      } else if (skip > 0) {
        int n = (int) Math.min(skip, end - pos);
        pos += n;
        skip -= n;
      } else {
        long decided = next(data, pos, end - pos, out);
        if (decided == 0) {
          if (end - pos > MAX_HEADER) {
            throw new RfbRefused("RFB message header too long");
          }
          pending = data.getBuffer(pos, end);
          break;
        }
        if (decided > 0) {
          pass = decided;
        } else {
          skip = -decided;
        }
      }
    }
    return out;
  }

  /**
   * Decides the message starting at {@code at}: the number of its bytes (header included) that
   * pass, minus the number that are dropped, or 0 when more than {@code available} bytes are needed
   * to tell. A replacement for a dropped message is appended to {@code out}.
   */
  abstract long next(Buffer data, int at, int available, Buffer out);

  static int u8(Buffer b, int at) {
    return b.getUnsignedByte(at);
  }

  static int u16(Buffer b, int at) {
    return b.getUnsignedShort(at);
  }

  static long u32(Buffer b, int at) {
    return b.getUnsignedInt(at);
  }

  static int s32(Buffer b, int at) {
    return b.getInt(at);
  }
}
