package io.opencdi.agent.runtime;

import static io.opencdi.agent.runtime.DesiredPower.Step.BEGIN_DELETE;
import static io.opencdi.agent.runtime.DesiredPower.Step.BEGIN_START;
import static io.opencdi.agent.runtime.DesiredPower.Step.BEGIN_STOP;
import static io.opencdi.agent.runtime.DesiredPower.Step.NOTHING;
import static io.opencdi.agent.runtime.DesiredPower.Step.REFUSE_BEING_DELETED;
import static io.opencdi.agent.runtime.DesiredPower.Step.REPORT_LAST;
import static io.opencdi.agent.runtime.DesiredPower.Step.REPORT_STOPPED;
import static io.opencdi.protocol.DesktopState.FAILED;
import static io.opencdi.protocol.DesktopState.RUNNING;
import static io.opencdi.protocol.DesktopState.STARTING;
import static io.opencdi.protocol.DesktopState.STOPPED;
import static io.opencdi.protocol.DesktopState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.DesktopState;
import org.junit.jupiter.api.Test;

/** The desired-power state machine, command by command and state by state. */
class DesiredPowerTest {
  @Test
  void aStartBeginsOnlyWhereNothingRunsAndIsRefusedDuringADelete() {
    assertThat(DesiredPower.start(null, false)).isEqualTo(BEGIN_START);
    assertThat(DesiredPower.start(STOPPED, false)).isEqualTo(BEGIN_START);
    assertThat(DesiredPower.start(FAILED, false)).isEqualTo(BEGIN_START);
    // Running or on its way: said again. Stopping: remembered, it starts once STOPPED.
    assertThat(DesiredPower.start(STARTING, false)).isEqualTo(REPORT_LAST);
    assertThat(DesiredPower.start(RUNNING, false)).isEqualTo(REPORT_LAST);
    assertThat(DesiredPower.start(STOPPING, false)).isEqualTo(REPORT_LAST);
    assertThat(DesiredPower.stopped(true)).isEqualTo(BEGIN_START);
    for (DesktopState s : new DesktopState[] {null, STOPPED, RUNNING, STOPPING}) {
      assertThat(DesiredPower.start(s, true)).isEqualTo(REFUSE_BEING_DELETED);
    }
  }

  @Test
  void aStopEndsWhatRunsSettlesAFailureAndIsRefusedDuringADelete() {
    assertThat(DesiredPower.stop(true, STARTING, false)).isEqualTo(BEGIN_STOP);
    assertThat(DesiredPower.stop(true, RUNNING, false)).isEqualTo(BEGIN_STOP);
    assertThat(DesiredPower.stop(true, FAILED, false)).isEqualTo(REPORT_STOPPED);
    assertThat(DesiredPower.stop(true, STOPPING, false)).isEqualTo(REPORT_LAST);
    assertThat(DesiredPower.stop(true, STOPPED, false)).isEqualTo(REPORT_LAST);
    assertThat(DesiredPower.stop(true, RUNNING, true)).isEqualTo(REFUSE_BEING_DELETED);
    // Unknown here (an agent restarted): the gateway knows it, nothing of it runs.
    assertThat(DesiredPower.stop(false, null, false)).isEqualTo(REPORT_STOPPED);
    assertThat(DesiredPower.stopped(false)).isEqualTo(NOTHING);
  }

  @Test
  void aDeleteIsTakenOnce() {
    assertThat(DesiredPower.delete(false)).isEqualTo(BEGIN_DELETE);
    assertThat(DesiredPower.delete(true)).isEqualTo(NOTHING);
  }
}
