package io.opencdi.agent.tunnel;

import io.opencdi.agent.runtime.Admission;
import io.opencdi.agent.runtime.DesktopRuntime;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.RuntimeListener;
import io.opencdi.protocol.ClusterReport;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.SnapshotSpec;
import java.util.List;
import java.util.Optional;

/**
 * The runtime of the tunnel tests: it has desktop {@code d-1} of cluster {@code bj-1}, whose files
 * or sound a test gives by overriding {@code files} or {@code audio}, and refuses every command,
 * which a tunnel never sends.
 */
interface OneDesktopRuntime extends DesktopRuntime {
  /** Whether {@code cluster} and {@code desktopId} name the one desktop. */
  static boolean isTheDesktop(String cluster, String desktopId) {
    return "bj-1".equals(cluster) && "d-1".equals(desktopId);
  }

  @Override
  default String kind() {
    return "test";
  }

  @Override
  default List<ClusterReport> clusters() {
    return List.of();
  }

  @Override
  default Optional<ClusterReport> cluster(String name) {
    return Optional.empty();
  }

  @Override
  default boolean isReady(String cluster) {
    return false;
  }

  @Override
  default List<DesktopStatus> inventory() {
    return List.of();
  }

  @Override
  default Admission start(DesktopSpec spec) {
    return Admission.refuse("test");
  }

  @Override
  default Admission stop(DesktopSpec spec) {
    return Admission.refuse("test");
  }

  @Override
  default Admission delete(String cluster, String desktopId) {
    return Admission.refuse("test");
  }

  @Override
  default Admission snapshot(SnapshotSpec snapshot) {
    return Admission.refuse("test");
  }

  @Override
  default Admission deleteSnapshot(String cluster, String snapshotId) {
    return Admission.refuse("test");
  }

  @Override
  default Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    return Optional.empty();
  }

  @Override
  default void addListener(RuntimeListener listener) {}

  @Override
  default void close() {}
}
