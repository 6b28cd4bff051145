package io.opencdi.gateway.auth.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How {@code login} slows down password guessing: after a few failures for one user name, or from
 * one address, every further attempt waits, and the wait doubles with each failure.
 */
@ConfigMapping(prefix = "opencdi.login-backoff")
public interface LoginBackoffConfig {
  /** Failed sign-ins for one user name answered normally before the waits begin. */
  @WithDefault("5")
  int userFreeFailures();

  /**
   * Failed sign-ins from one address (any user names) answered normally before the waits begin;
   * higher than per user, as many people may share one address.
   */
  @WithDefault("20")
  int addressFreeFailures();

  /** The first wait; each further failure doubles it. */
  @WithDefault("PT1S")
  Duration firstWait();

  /** The longest wait. */
  @WithDefault("PT15M")
  Duration maxWait();

  /** A user name or address without failures for this long starts again with a clean slate. */
  @WithDefault("PT1H")
  Duration forgetAfter();
}
