package io.opencdi.protocol;

/**
 * How a running desktop is doing over time, judged by its runtime from what it measures (processes,
 * memory, log volume, restarts). Independent of its lifecycle state.
 */
public enum DesktopHealth {
  /** Nothing grows without bound and the session has not been restarted lately. */
  OK,
  /** Something needs a look; the status's health reason says what. */
  DEGRADED
}
