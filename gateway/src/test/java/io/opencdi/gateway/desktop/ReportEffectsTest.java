package io.opencdi.gateway.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.DesktopHealth;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.Power;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rules by which a batch of agent reports changes desktops and node-group accounting. */
class ReportEffectsTest {
  private static final UUID CLUSTER = UUID.fromString("00000000-0000-0000-0000-00000000000c");
  private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-12-06T05:00:00Z");

  private final Map<UUID, DesktopEntity> locked = new LinkedHashMap<>();

  @Test
  void aDesktopReportedSeveralTimesIsWrittenOnceAndAnnouncedEachTimeInOrder() {
    DesktopEntity d = desktop(DesktopState.SCHEDULED, true, "g1");

    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(observed(d, DesktopState.STARTING), observed(d, DesktopState.RUNNING)),
            NOW);

    assertThat(out.changed()).containsExactly(d);
    assertThat(out.events())
        .extracting(c -> c.previous(), c -> c.desktop().state())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(DesktopState.SCHEDULED, DesktopState.STARTING),
            org.assertj.core.groups.Tuple.tuple(DesktopState.STARTING, DesktopState.RUNNING));
    assertThat(d.state).isEqualTo(DesktopState.RUNNING);
    assertThat(d.homeClusterId)
        .as("a running desktop's home exists on its cluster")
        .isEqualTo(CLUSTER);
    assertThat(d.updatedAt).isEqualTo(NOW);
    assertThat(out.capacity()).as("it held its room all along").isEmpty();
  }

  @Test
  void releasesAndTakesOfOneNodeGroupAreSummedIntoOneChange() {
    DesktopEntity stopping = desktop(DesktopState.STOPPING, true, "g1");
    DesktopEntity failing = desktop(DesktopState.RUNNING, true, "g1");
    DesktopEntity found = desktop(DesktopState.STOPPED, false, "g2");

    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(
                observed(stopping, DesktopState.STOPPED),
                observed(failing, DesktopState.FAILED),
                observed(found, DesktopState.RUNNING)),
            NOW);

    ReportEffects.Delta g1 = out.capacity().get(new ReportEffects.Group(CLUSTER, "g1"));
    assertThat(g1.cpuMillis).isEqualTo(-2 * 1000);
    assertThat(g1.memoryMiB).isEqualTo(-2 * 2048);
    assertThat(g1.desktops).isEqualTo(-2);
    ReportEffects.Delta g2 = out.capacity().get(new ReportEffects.Group(CLUSTER, "g2"));
    assertThat(g2.desktops).as("a desktop found running counts again").isEqualTo(1);
    assertThat(stopping.holdsCapacity).isFalse();
    assertThat(found.holdsCapacity).isTrue();
  }

  @Test
  void aGroupWhoseReleaseAndTakeCancelOutIsNotWritten() {
    DesktopEntity d = desktop(DesktopState.RUNNING, true, "g1");

    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(observed(d, DesktopState.FAILED), observed(d, DesktopState.RUNNING)),
            NOW);

    assertThat(out.capacity()).isEmpty();
    assertThat(out.events()).hasSize(2);
  }

  @Test
  void anAgentCannotDeleteADesktopNobodyAskedToDeleteNorReviveADeletedOne() {
    DesktopEntity kept = desktop(DesktopState.RUNNING, true, "g1");
    DesktopEntity gone = desktop(DesktopState.DELETED, false, "g1");

    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(observed(kept, DesktopState.DELETED), observed(gone, DesktopState.RUNNING)),
            NOW);

    assertThat(out.changed()).isEmpty();
    assertThat(out.events()).isEmpty();
    assertThat(out.capacity()).isEmpty();
    assertThat(kept.state).isEqualTo(DesktopState.RUNNING);
    assertThat(gone.state).isEqualTo(DesktopState.DELETED);
  }

  @Test
  void anAcceptedStartSchedulesAPendingDesktopAndARefusedOneFailsItAndGivesItsRoomBack() {
    DesktopEntity accepted = desktop(DesktopState.PENDING, true, "g1");
    DesktopEntity refused = desktop(DesktopState.PENDING, true, "g1");
    DesktopEntity late = desktop(DesktopState.RUNNING, true, "g1");

    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(
                new DesktopReport.Acknowledged(accepted.id, true, null),
                new DesktopReport.Acknowledged(refused.id, false, "no image"),
                new DesktopReport.Acknowledged(late.id, true, null)),
            NOW);

    assertThat(accepted.state).isEqualTo(DesktopState.SCHEDULED);
    assertThat(refused.state).isEqualTo(DesktopState.FAILED);
    assertThat(refused.statusReason).isEqualTo("no image");
    assertThat(late.state)
        .as("an ack arriving after the status changes nothing")
        .isEqualTo(DesktopState.RUNNING);
    assertThat(out.changed()).containsExactly(accepted, refused);
    assertThat(out.capacity().get(new ReportEffects.Group(CLUSTER, "g1")).desktops).isEqualTo(-1);
  }

  @Test
  void healthIsKeptWhenAReportDoesNotJudgeItAndItsReasonClearedWhenOk() {
    DesktopEntity d = desktop(DesktopState.RUNNING, true, "g1");
    ReportEffects.apply(
        locked,
        List.of(
            new DesktopReport.Observed(
                new DesktopStatus(
                    d.id.toString(),
                    "c",
                    "n",
                    DesktopState.RUNNING,
                    null,
                    0L,
                    DesktopHealth.DEGRADED,
                    "restarted 3 times"))),
        NOW);
    assertThat(d.health).isEqualTo(DesktopHealth.DEGRADED);

    ReportEffects.apply(locked, List.of(observed(d, DesktopState.STOPPING)), NOW);
    assertThat(d.health).isEqualTo(DesktopHealth.DEGRADED);
    assertThat(d.healthReason).isEqualTo("restarted 3 times");

    ReportEffects.apply(
        locked,
        List.of(
            new DesktopReport.Observed(
                new DesktopStatus(
                    d.id.toString(),
                    "c",
                    "n",
                    DesktopState.RUNNING,
                    null,
                    0L,
                    DesktopHealth.OK,
                    "x"))),
        NOW);
    assertThat(d.health).isEqualTo(DesktopHealth.OK);
    assertThat(d.healthReason).isNull();
  }

  @Test
  void theReasonTheGatewayGaveAPowerOffOutlivesTheAgentsReportsOfIt() {
    DesktopEntity d = desktop(DesktopState.STOPPING, true, "g1");
    d.power = Power.OFF;
    d.statusReason = "powered off after 30 minutes without a viewer";

    ReportEffects.apply(locked, List.of(observed(d, DesktopState.STOPPING)), NOW);
    ReportEffects.apply(locked, List.of(observed(d, DesktopState.STOPPED)), NOW);
    assertThat(d.state).isEqualTo(DesktopState.STOPPED);
    assertThat(d.statusReason).isEqualTo("powered off after 30 minutes without a viewer");

    // A reason of the agent's own replaces it; so does the desktop being on again.
    ReportEffects.apply(
        locked,
        List.of(
            new DesktopReport.Observed(
                new DesktopStatus(
                    d.id.toString(), "c", "n", DesktopState.STOPPED, "node drained", 0L))),
        NOW);
    assertThat(d.statusReason).isEqualTo("node drained");
    d.power = Power.ON;
    d.statusReason = "powered off after 30 minutes without a viewer";
    ReportEffects.apply(locked, List.of(observed(d, DesktopState.RUNNING)), NOW);
    assertThat(d.statusReason).isNull();
  }

  @Test
  void reportsAboutDesktopsNotLockedOrNotNamedChangeNothing() {
    ReportEffects.Outcome out =
        ReportEffects.apply(
            locked,
            List.of(
                new DesktopReport.Observed(
                    new DesktopStatus("not-a-uuid", "c", "n", DesktopState.RUNNING, null, 0L)),
                new DesktopReport.Acknowledged(UUID.randomUUID(), false, "x")),
            NOW);
    assertThat(out.changed()).isEmpty();
    assertThat(out.events()).isEmpty();
  }

  private DesktopEntity desktop(DesktopState state, boolean holds, String group) {
    DesktopEntity d = new DesktopEntity();
    d.id = UUID.randomUUID();
    d.name = "d";
    d.ownerId = UUID.randomUUID();
    d.templateId = UUID.randomUUID();
    d.state = state;
    d.power = Power.ON;
    d.holdsCapacity = holds;
    d.clusterId = CLUSTER;
    d.nodeGroup = group;
    d.cpuMillis = 1000;
    d.memoryMiB = 2048;
    d.createdAt = NOW.minusMinutes(1);
    d.updatedAt = d.createdAt;
    locked.put(d.id, d);
    return d;
  }

  private static DesktopReport observed(DesktopEntity d, DesktopState state) {
    return new DesktopReport.Observed(
        new DesktopStatus(d.id.toString(), "c", "n", state, null, 0L));
  }
}
