package io.opencdi.gateway.files;

import io.opencdi.gateway.connect.DialBack;
import io.opencdi.gateway.connect.Tunnels;
import io.opencdi.protocol.FileNames;
import io.opencdi.protocol.FileOpen;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's end of one file tunnel (docs/agent-protocol.md, "File tunnels"): waits for the
 * agent's dial-back, then speaks the tunnel's protocol on one side and HTTP on the other, with
 * back-pressure both ways. Runs on the event loop of the tunnel; every method is called there.
 */
final class FileExchange implements Tunnels.Waiter {
  /** Largest binary message sent into a tunnel, as the agent sends. */
  static final int MAX_MESSAGE_BYTES = 65536;

  /** Largest listing the agent may send (1,000 names of 255 bytes with their sizes). */
  static final int MAX_LISTING_BYTES = 512 * 1024;

  private final RoutingContext rc;
  private final FileOpen.Op op;
  private final String name;
  private final long maxBytes;
  private final String policy;
  private final long stallMillis;
  private long stallTimer = -1;
  private Runnable forget = () -> {};
  private ServerWebSocket tunnel;
  private boolean done;
  private long expected = -1;
  private long moved;
  private final StringBuilder text = new StringBuilder();

  FileExchange(
      RoutingContext rc,
      FileOpen.Op op,
      String name,
      long maxBytes,
      String policy,
      long stallMillis) {
    this.rc = rc;
    this.stallMillis = stallMillis;
    this.op = op;
    this.name = name;
    this.maxBytes = maxBytes;
    this.policy = policy;
    // The user went away: forget the wait, end the tunnel (an upload leaves nothing behind).
    rc.response()
        .closeHandler(
            v -> {
              forget.run();
              finish();
            });
  }

  void forgetWith(Runnable forget) {
    this.forget = forget;
  }

  @Override
  public void failed(Tunnels.Failure failure, String message) {
    if (done) {
      return;
    }
    done = true;
    FileRoutes.refuse(
        rc,
        failure == Tunnels.Failure.TIMEOUT
            ? new FileRules.Refusal(504, "CLUSTER_TIMEOUT", "the agent did not answer in time")
            : new FileRules.Refusal(503, "UNAVAILABLE", message));
  }

  @Override
  public void claimed(DialBack back) {
    ServerWebSocket tunnel = back.socket();
    this.tunnel = tunnel;
    if (done || rc.response().closed()) {
      finish();
      return;
    }
    back.claim(this::frame, v -> closed(tunnel.closeStatusCode(), tunnel.closeReason()));
    tunnel.exceptionHandler(e -> closed((short) 1011, null));
    tunnel.resume();
  }

  private void frame(WebSocketFrame frame) {
    if (done) {
      return;
    }
    if (frame.isText() || (frame.isContinuation() && text.length() > 0)) {
      text.append(frame.textData());
      if (text.length() > MAX_LISTING_BYTES) {
        fail(new FileRules.Refusal(503, "UNAVAILABLE", "the agent's answer was too long"));
        return;
      }
      if (frame.isFinal()) {
        String message = text.toString();
        text.setLength(0);
        JsonObject json;
        try {
          json = new JsonObject(message);
        } catch (RuntimeException malformed) {
          fail(new FileRules.Refusal(503, "UNAVAILABLE", "the agent's answer was malformed"));
          return;
        }
        message(json);
      }
      return;
    }
    if (frame.isBinary() || frame.isContinuation()) {
      bytes(frame.binaryData());
    }
  }

  private void message(JsonObject json) {
    switch (op) {
      case LIST -> listed(json.getJsonArray("files"));
      case DOWNLOAD -> {
        Long size = json.getLong("size");
        if (expected >= 0 || size == null || size < 0) {
          fail(protocol());
        } else if (size > maxBytes) {
          fail(FileRules.tooLarge(maxBytes));
        } else {
          expected = size;
          rc.response()
              .setStatusCode(200)
              .putHeader("Content-Type", "application/octet-stream")
              .putHeader("Content-Length", Long.toString(size))
              .putHeader("Content-Disposition", disposition(name))
              .putHeader("X-Content-Type-Options", "nosniff")
              .putHeader("Cache-Control", "no-store");
        }
      }
      case UPLOAD -> {
        if (Boolean.TRUE.equals(json.getBoolean("ready")) && expected < 0) {
          expected = 0; // now the body may flow
          pumpUpload();
        } else if (json.getLong("size") != null && expected >= 0) {
          long size = json.getLong("size");
          if (size != moved) {
            fail(protocol());
            return;
          }
          done = true;
          rc.response()
              .setStatusCode(201)
              .putHeader("Content-Type", "application/json")
              .putHeader("Cache-Control", "no-store")
              .end(new JsonObject().put("name", name).put("size", size).encode());
          finish();
        } else {
          fail(protocol());
        }
      }
    }
  }

  private void listed(JsonArray files) {
    if (files == null) {
      fail(protocol());
      return;
    }
    JsonArray shown = new JsonArray();
    for (Object o : files) {
      if (o instanceof JsonObject f
          && FileNames.valid(f.getString("name"))
          && f.getValue("size") instanceof Number size
          && size.longValue() >= 0) {
        shown.add(
            new JsonObject()
                .put("name", f.getString("name"))
                .put("size", size.longValue())
                .put("modifiedAt", f.getValue("modifiedAt") instanceof String t ? t : null));
      }
    }
    done = true;
    rc.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(
            (policy == null ? new JsonObject() : new JsonObject().put("policy", policy))
                .put("maxBytes", maxBytes)
                .put("files", shown)
                .encode());
    finish();
  }

  /** Bytes of a download from the agent, to the user. */
  private void bytes(Buffer data) {
    if (op != FileOpen.Op.DOWNLOAD || expected < 0 || moved + data.length() > expected) {
      fail(protocol());
      return;
    }
    moved += data.length();
    HttpServerResponse response = rc.response();
    response.write(data);
    if (response.writeQueueFull()) {
      tunnel.pause();
      stalling();
      response.drainHandler(
          v -> {
            moving();
            tunnel.resume();
          });
      if (!response.writeQueueFull()) {
        moving();
        tunnel.resume();
      }
    }
  }

  /** One side stopped taking what the other sends: the transfer ends if it stays so. */
  private void stalling() {
    if (stallTimer >= 0 || done) {
      return;
    }
    stallTimer =
        rc.vertx()
            .setTimer(
                stallMillis,
                t -> {
                  stallTimer = -1;
                  fail(
                      new FileRules.Refusal(
                          408,
                          "STALLED",
                          "the transfer made no progress for " + stallMillis / 1000 + " s"));
                });
  }

  private void moving() {
    if (stallTimer >= 0) {
      rc.vertx().cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }

  /** Lets an upload's body flow from the user into the tunnel, at most {@code maxBytes}. */
  private void pumpUpload() {
    HttpServerRequest request = rc.request();
    request.handler(
        data -> {
          if (done) {
            return;
          }
          moved += data.length();
          if (moved > maxBytes) {
            fail(FileRules.tooLarge(maxBytes));
            return;
          }
          for (int at = 0; at < data.length(); at += MAX_MESSAGE_BYTES) {
            tunnel.writeBinaryMessage(
                data.getBuffer(at, Math.min(data.length(), at + MAX_MESSAGE_BYTES)));
          }
          if (tunnel.writeQueueFull()) {
            request.pause();
            stalling();
            tunnel.drainHandler(
                v -> {
                  moving();
                  request.resume();
                });
            if (!tunnel.writeQueueFull()) {
              moving();
              request.resume();
            }
          }
        });
    request.endHandler(
        v -> {
          if (!done) {
            tunnel.writeTextMessage(new JsonObject().put("end", moved).encode());
          }
        });
    request.exceptionHandler(e -> finish());
    if (request.isEnded()) {
      tunnel.writeTextMessage(new JsonObject().put("end", moved).encode());
    } else {
      request.resume();
    }
  }

  /** The agent ended the tunnel. */
  private void closed(Short code, String reason) {
    if (done) {
      return;
    }
    int status = code == null ? 1006 : code;
    if (op == FileOpen.Op.DOWNLOAD && status == 1000 && expected >= 0 && moved == expected) {
      done = true;
      rc.response().end();
      return;
    }
    if (status == 1000) {
      fail(protocol());
    } else {
      fail(FileRules.ofClose(status, reason));
    }
  }

  private void fail(FileRules.Refusal refusal) {
    if (done) {
      return;
    }
    done = true;
    // Once a download's headers are out, only breaking the connection tells the user.
    FileRoutes.refuse(rc, refusal);
    finish();
  }

  /** Ends the tunnel (an upload without its end leaves nothing in the home). */
  private void finish() {
    done = true;
    moving();
    if (tunnel != null && !tunnel.isClosed()) {
      tunnel.close((short) 1000, "done");
    }
  }

  private static FileRules.Refusal protocol() {
    return new FileRules.Refusal(
        503, "UNAVAILABLE", "the agent broke the file transfer protocol; nothing was changed");
  }

  /** An attachment header that keeps any name intact (RFC 6266, RFC 5987). */
  static String disposition(String name) {
    String ascii = name.replaceAll("[^A-Za-z0-9._ -]", "_");
    return "attachment; filename=\""
        + ascii
        + "\"; filename*=UTF-8''"
        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
