package io.opencdi.protocol;

/** What the gateway asks an agent to do with a desktop. */
public enum CommandKind {
  /** Create the desktop if needed and power it on. */
  START,
  /** Power it off, keeping its home volume. */
  STOP,
  /** Remove it and its home volume. */
  DELETE
}
