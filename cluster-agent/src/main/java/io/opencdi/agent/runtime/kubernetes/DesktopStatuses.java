package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opencdi.agent.runtime.RuntimeListeners;
import io.opencdi.agent.runtime.kubernetes.DesktopStateMapper.Observed;
import io.opencdi.agent.runtime.kubernetes.crd.Desktop;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceSpec;
import io.opencdi.agent.runtime.kubernetes.crd.DesktopResourceStatus;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the agent last said of each desktop: the status it reported to the listeners (once per
 * change) and the one it wrote into the Desktop's {@code status}. The reconciler and the command
 * handling both report, and a command answers from the last report, so the reports are kept here
 * for both.
 */
final class DesktopStatuses {
  private final KubernetesSettings settings;
  private final KubernetesApi api;
  private final RuntimeListeners listeners;
  private final Map<String, DesktopStatus> lastStatus = new ConcurrentHashMap<>();
  private final Map<String, String> idsByName = new ConcurrentHashMap<>();

  DesktopStatuses(KubernetesSettings settings, KubernetesApi api, RuntimeListeners listeners) {
    this.settings = settings;
    this.api = api;
    this.listeners = listeners;
  }

  /** The status last reported of desktop {@code desktopId}, or null. */
  DesktopStatus last(String desktopId) {
    return lastStatus.get(desktopId);
  }

  /** Forgets desktop {@code desktopId}; returns its last status, or null. */
  DesktopStatus remove(String desktopId) {
    return lastStatus.remove(desktopId);
  }

  /** Remembers that the Desktop named {@code name} is desktop {@code desktopId}. */
  void named(String name, String desktopId) {
    idsByName.put(name, desktopId);
  }

  /** The Desktop named {@code name} is gone: reports it {@code DELETED} if it was reported. */
  void forget(String name) {
    String id = idsByName.remove(name);
    DesktopStatus last = id == null ? null : lastStatus.remove(id);
    if (last != null) {
      emit(
          new DesktopStatus(
              id,
              settings.clusterName(),
              last.node(),
              DesktopState.DELETED,
              null,
              System.currentTimeMillis()));
    }
  }

  /** The last report of {@code d}, or else what a previous agent wrote into its status. */
  DesktopStatus lastOrRecorded(Desktop d) {
    DesktopStatus last = lastStatus.get(d.getSpec().desktopId);
    return last != null ? last : recorded(d);
  }

  // What a previous agent wrote into the status (after a restart, before the first reconcile).
  private DesktopStatus recorded(Desktop d) {
    DesktopResourceStatus status = d.getStatus();
    DesktopState state =
        d.getSpec().power == DesktopResourceSpec.Power.On
            ? DesktopState.STARTING
            : DesktopState.STOPPED;
    long at = System.currentTimeMillis();
    if (status != null && status.state != null) {
      try {
        state = DesktopState.valueOf(status.state);
      } catch (IllegalArgumentException e) {
        // an unknown state written by someone else: keep the one the power implies
      }
      if (status.lastTransitionTime != null) {
        at = Instant.parse(status.lastTransitionTime).toEpochMilli();
      }
    }
    return new DesktopStatus(
        d.getSpec().desktopId,
        settings.clusterName(),
        status != null && status.node != null ? status.node : d.getSpec().node,
        state,
        status == null ? null : status.reason,
        at);
  }

  /** Writes {@code observed} into the Desktop's status unless it says so already. */
  void write(Desktop d, Observed observed) {
    DesktopResourceStatus old = d.getStatus();
    String claim = DesktopResources.homeClaimName(d);
    if (old != null
        && Objects.equals(old.state, observed.state().name())
        && Objects.equals(old.node, observed.node())
        && Objects.equals(old.reason, observed.reason())
        && Objects.equals(old.homeClaim, claim)) {
      return;
    }
    DesktopResourceStatus status = new DesktopResourceStatus();
    status.state = observed.state().name();
    status.node = observed.node();
    status.reason = observed.reason();
    status.homeClaim = claim;
    boolean changed = old == null || !Objects.equals(old.state, status.state);
    status.lastTransitionTime =
        changed || old.lastTransitionTime == null
            ? Instant.now().toString()
            : old.lastTransitionTime;
    boolean ready = observed.state() == DesktopState.RUNNING;
    Condition readyCondition =
        new ConditionBuilder()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .withReason(camel(observed.state()))
            .withMessage(observed.reason() == null ? "" : observed.reason())
            .withLastTransitionTime(status.lastTransitionTime)
            .withObservedGeneration(d.getMetadata().getGeneration())
            .build();
    status.conditions = List.of(readyCondition);
    try {
      api.jsonPatch(d.getMetadata().getName(), "status", "/status", status);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static String camel(DesktopState state) {
    String s = state.name().toLowerCase(Locale.ROOT);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Reports {@code observed} of {@code d} to the listeners unless it was the last report. */
  void report(Desktop d, Observed observed) {
    report(d.getSpec().desktopId, d.getSpec().node, observed);
  }

  /**
   * Reports {@code observed} of desktop {@code desktopId} (placed on {@code placedNode}) unless it
   * was the last report.
   */
  void report(String desktopId, String placedNode, Observed observed) {
    DesktopStatus last = lastStatus.get(desktopId);
    if (last != null
        && last.state() == observed.state()
        && Objects.equals(last.node(), observed.node())
        && Objects.equals(last.reason(), observed.reason())) {
      return;
    }
    DesktopStatus status =
        new DesktopStatus(
            desktopId,
            settings.clusterName(),
            observed.node() != null ? observed.node() : placedNode,
            observed.state(),
            observed.reason(),
            System.currentTimeMillis());
    lastStatus.put(desktopId, status);
    emit(status);
  }

  /** Tells the listeners {@code status} again or for the first time, remembering nothing. */
  void emit(DesktopStatus status) {
    listeners.statusChanged(status);
  }
}
