package io.opencdi.gateway.common;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The clock of time-based decisions (session limits), one bean so that the pure decisions take it
 * as a parameter and tests could replace it.
 */
public class Clocks {
  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}
