package io.opencdi.gateway.desktop;

import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What a batch of agent reports does to the desktops it names, worked out in memory: the rows to
 * write, the events to announce and the capacity each node group gains or gives back. Pure logic,
 * so the rules are read and tested without a database; {@link DesktopStatusService} writes the
 * outcome with one statement per table.
 */
final class ReportEffects {
  /** A node group, ordered so that its rows are updated in one order by every batch. */
  record Group(UUID clusterId, String name) implements Comparable<Group> {
    @Override
    public int compareTo(Group o) {
      int c = clusterId.compareTo(o.clusterId);
      return c != 0 ? c : name.compareTo(o.name);
    }
  }

  /** What a node group's used capacity changes by: positive takes, negative gives back. */
  static final class Delta {
    long cpuMillis;
    long memoryMiB;
    int desktops;

    boolean isZero() {
      return cpuMillis == 0 && memoryMiB == 0 && desktops == 0;
    }
  }

  /**
   * @param changed the desktops to write, each once, as they ended
   * @param events what subscribers are told, one per change and in report order
   * @param capacity the node groups whose accounting changes, in lock order
   */
  record Outcome(
      List<DesktopEntity> changed,
      List<DesktopEventBus.Change> events,
      Map<Group, Delta> capacity) {}

  private ReportEffects() {}

  /**
   * Applies {@code reports} in order to the locked desktops {@code byId} (their entities change);
   * reports about desktops not in it change nothing.
   */
  static Outcome apply(
      Map<UUID, DesktopEntity> byId, List<DesktopReport> reports, OffsetDateTime now) {
    Set<DesktopEntity> changed = new LinkedHashSet<>();
    List<DesktopEventBus.Change> events = new ArrayList<>();
    Map<Group, Delta> capacity = new TreeMap<>();
    for (DesktopReport r : reports) {
      UUID id = desktopId(r);
      DesktopEntity d = id == null ? null : byId.get(id);
      if (d == null) {
        continue;
      }
      DesktopEventBus.Change change =
          switch (r) {
            case DesktopReport.Observed observed -> observed(d, observed.status(), now, capacity);
            case DesktopReport.Acknowledged ack -> acknowledged(d, ack, now, capacity);
          };
      if (change != null) {
        changed.add(d);
        events.add(change);
      }
    }
    capacity.values().removeIf(Delta::isZero);
    return new Outcome(List.copyOf(changed), events, capacity);
  }

  /** The desktop a report is about, or null when it names none that can exist. */
  static UUID desktopId(DesktopReport r) {
    return switch (r) {
      case DesktopReport.Acknowledged ack -> ack.desktopId();
      case DesktopReport.Observed observed -> {
        try {
          yield UUID.fromString(observed.status().desktopId());
        } catch (IllegalArgumentException | NullPointerException e) {
          yield null;
        }
      }
    };
  }

  private static DesktopEventBus.Change observed(
      DesktopEntity d, DesktopStatus status, OffsetDateTime now, Map<Group, Delta> capacity) {
    if (d.state == DesktopState.DELETED) {
      return null;
    }
    DesktopState reported = status.state();
    if (reported == DesktopState.DELETED && !d.deleteRequested) {
      // Only an explicit delete removes a desktop; an agent that lost it will be told to bring it
      // back.
      return null;
    }
    if (d.state == reported
        && Objects.equals(d.statusReason, reasonAfter(d, status))
        && (status.health() == null
            || (d.health == status.health()
                && Objects.equals(d.healthReason, status.healthReason())))) {
      return null;
    }
    return record(d, status, now, capacity);
  }

  private static DesktopEventBus.Change acknowledged(
      DesktopEntity d,
      DesktopReport.Acknowledged ack,
      OffsetDateTime now,
      Map<Group, Delta> capacity) {
    if (ack.accepted()) {
      if (d.state != DesktopState.PENDING) {
        return null;
      }
      DesktopState previous = d.state;
      d.state = DesktopState.SCHEDULED;
      d.updatedAt = now;
      return new DesktopEventBus.Change(Desktop.from(d), previous);
    }
    return record(
        d,
        new DesktopStatus(d.id.toString(), null, null, DesktopState.FAILED, ack.error(), 0L),
        now,
        capacity);
  }

  /**
   * The reason a desktop is in its state once {@code status} is applied. An agent reports a
   * power-off's progress without a reason; the reason the gateway gave the power-off it asked for
   * (an unattended desktop powered off, ADR 0034) stays until the desktop is on again or the agent
   * gives one of its own.
   */
  static String reasonAfter(DesktopEntity d, DesktopStatus status) {
    boolean powerOffProgress =
        status.state() == DesktopState.STOPPING || status.state() == DesktopState.STOPPED;
    if (status.reason() == null && d.power == Power.OFF && powerOffProgress) {
      return d.statusReason;
    }
    return status.reason();
  }

  private static DesktopEventBus.Change record(
      DesktopEntity d, DesktopStatus status, OffsetDateTime now, Map<Group, Delta> capacity) {
    DesktopState previous = d.state;
    StatusTransition t = StatusTransition.of(d.holdsCapacity, status.state());
    d.state = t.state();
    d.statusReason = reasonAfter(d, status);
    if (status.health() != null) {
      // Judged by agents that measure it; a status without one leaves the last verdict.
      d.health = status.health();
      d.healthReason = status.health() == DesktopHealth.OK ? null : status.healthReason();
    }
    d.holdsCapacity = t.holdsCapacity();
    if (t.homeVolumeCreated() && d.homeClusterId == null) {
      d.homeClusterId = d.clusterId;
    }
    d.updatedAt = now;
    if (d.clusterId != null && d.nodeGroup != null && (t.release() || t.take())) {
      Delta delta = capacity.computeIfAbsent(new Group(d.clusterId, d.nodeGroup), g -> new Delta());
      int sign = t.take() ? 1 : -1;
      delta.cpuMillis += sign * d.cpuMillis;
      delta.memoryMiB += sign * d.memoryMiB;
      delta.desktops += sign;
    }
    // The API view is taken now: a later report in the same batch changes the entity again.
    return new DesktopEventBus.Change(Desktop.from(d), previous);
  }
}
