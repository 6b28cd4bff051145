package io.opencdi.protocol;

/** Desired power state of a desktop, VM-like: off keeps the home volume. */
public enum Power {
  ON,
  OFF
}
