package io.opencdi.agent.link;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Converges a runtime on a {@code Welcome}: desktops the gateway names as deleted are deleted (it
 * deleted them while the link was down), listed desktops are powered off or on as asked, and
 * desktops the gateway neither lists nor deleted are left as they are, data and all — only an
 * explicit deletion removes a user's home. Deletions and power-offs go first so that the capacity
 * they free is there for the starts.
 */
final class WelcomeConvergence {

  /**
   * What the convergence did.
   *
   * @param deleted desktops the gateway deleted while the link was down
   * @param unknown desktops the gateway does not know at all, left untouched
   * @param stopped desired desktops with power OFF
   * @param started desired desktops with power ON
   * @param refused FAILED statuses for desired desktops the runtime refused (no ack carries those)
   */
  record Outcome(int deleted, int unknown, int stopped, int started, List<DesktopStatus> refused) {}

  private WelcomeConvergence() {}

  static Outcome converge(
      DesktopRuntime runtime,
      List<DesktopSpec> desired,
      List<String> deletedByGateway,
      LongSupplier clock) {
    Set<String> wanted = new HashSet<>();
    for (DesktopSpec spec : desired) {
      wanted.add(spec.id());
    }
    Set<String> gone = new HashSet<>(deletedByGateway);
    int deleted = 0;
    int unknown = 0;
    for (DesktopStatus existing : runtime.inventory()) {
      if (wanted.contains(existing.desktopId())) {
        continue;
      }
      if (gone.contains(existing.desktopId())) {
        runtime.delete(existing.cluster(), existing.desktopId());
        deleted++;
      } else {
        unknown++;
      }
    }
    List<DesktopStatus> refused = new ArrayList<>();
    int stopped = 0;
    for (DesktopSpec spec : desired) {
      if (spec.power() != Power.ON) {
        check(runtime.stop(spec), spec, refused, clock);
        stopped++;
      }
    }
    int started = 0;
    for (DesktopSpec spec : desired) {
      if (spec.power() == Power.ON) {
        check(runtime.start(spec), spec, refused, clock);
        started++;
      }
    }
    return new Outcome(deleted, unknown, stopped, started, refused);
  }

  private static void check(
      Admission admission, DesktopSpec spec, List<DesktopStatus> refused, LongSupplier clock) {
    if (!admission.accepted()) {
      refused.add(
          new DesktopStatus(
              spec.id(),
              spec.cluster(),
              spec.node(),
              DesktopState.FAILED,
              admission.reason(),
              clock.getAsLong()));
    }
  }
}
