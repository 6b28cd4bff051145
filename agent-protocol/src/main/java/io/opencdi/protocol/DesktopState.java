package io.opencdi.protocol;

/** Lifecycle of a desktop, shared by the API and the control channel. */
public enum DesktopState {
  PENDING,
  SCHEDULED,
  STARTING,
  RUNNING,
  STOPPING,
  STOPPED,
  FAILED,
  DELETED
}
