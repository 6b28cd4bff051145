package io.opencdi.gateway.admission;

import static io.opencdi.gateway.admission.AdmissionQueue.Outcome.ADMITTED;
import static io.opencdi.gateway.admission.AdmissionQueue.Outcome.QUEUED;
import static io.opencdi.gateway.admission.AdmissionQueue.Outcome.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionQueueTest {
  @Test
  void admitsUpToTheLimitQueuesUpToTheLineAndRefusesTheRest() {
    AdmissionQueue queue = new AdmissionQueue(2, 1);
    List<String> turns = new ArrayList<>();
    assertThat(queue.enter(() -> turns.add("a"))).isEqualTo(ADMITTED);
    assertThat(queue.enter(() -> turns.add("b"))).isEqualTo(ADMITTED);
    assertThat(queue.enter(() -> turns.add("c"))).isEqualTo(QUEUED);
    assertThat(queue.enter(() -> turns.add("d"))).isEqualTo(REFUSED);
    assertThat(queue.inFlight()).isEqualTo(2);
    assertThat(queue.waiting()).isEqualTo(1);
    assertThat(turns).isEmpty(); // the admitted run themselves; the queued wait

    queue.leave(); // a leaves: c takes its place, the count at work stays
    assertThat(turns).containsExactly("c");
    assertThat(queue.inFlight()).isEqualTo(2);
    assertThat(queue.waiting()).isZero();

    queue.leave();
    queue.leave();
    assertThat(queue.inFlight()).isZero();
    assertThat(queue.enter(() -> {})).isEqualTo(ADMITTED);
  }

  @Test
  void waitingRequestsGetTheirTurnInArrivalOrder() {
    AdmissionQueue queue = new AdmissionQueue(1, 3);
    List<Integer> turns = new ArrayList<>();
    queue.enter(() -> {});
    for (int i = 0; i < 3; i++) {
      int n = i;
      assertThat(queue.enter(() -> turns.add(n))).isEqualTo(QUEUED);
    }
    for (int i = 0; i < 3; i++) {
      queue.leave();
    }
    assertThat(turns).containsExactly(0, 1, 2);
    queue.leave();
    assertThat(queue.inFlight()).isZero();
  }

  @Test
  void limitsMustAdmitSomething() {
    assertThatThrownBy(() -> new AdmissionQueue(0, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AdmissionQueue(1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
