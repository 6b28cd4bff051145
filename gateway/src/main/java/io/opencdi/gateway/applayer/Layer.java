package io.opencdi.gateway.applayer;

import io.opencdi.protocol.AppLayer;
import java.util.UUID;

/** An application layer as templates and desktops hold it: immutable, so held by value. */
public record Layer(UUID id, String name, String version, String image) {

  /** What an agent needs of it. */
  public AppLayer toProtocol() {
    return new AppLayer(name, version, image);
  }
}
