package io.opencdi.gateway.connect.rfb;

/** A viewer or display sent RFB the broker does not pass on; the connection ends. */
public final class RfbRefused extends RuntimeException {
  RfbRefused(String reason) {
    super(reason, null, false, false);
  }
}
