package io.opencdi.agent.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a runtime reported about its desktops, in order, as a test's listener collects it. */
final class Statuses extends CopyOnWriteArrayList<DesktopStatus> {
  /** The states reported for one desktop, in order. */
  List<DesktopState> states(String id) {
    return stream().filter(s -> s.desktopId().equals(id)).map(DesktopStatus::state).toList();
  }

  /** The last status reported for one desktop. */
  DesktopStatus lastOf(String id) {
    return stream().filter(s -> s.desktopId().equals(id)).toList().getLast();
  }

  /** Waits until the last state reported for {@code id} is {@code state}. */
  void awaitState(String id, DesktopState state, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> assertThat(states(id)).as("states of %s: %s", id, this).last().isEqualTo(state));
  }
}
