package io.opencdi.gateway.admission;

import io.micrometer.core.instrument.MeterRegistry;
import io.opencdi.gateway.common.OverloadedException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs the requests that change desktops through one {@link AdmissionQueue} per replica (see there
 * for why), and reads of many rows through another, so that neither can take the whole database
 * pool. A request whose turn comes later continues on its own Vert.x context, where its request
 * scope and database session live.
 */
@ApplicationScoped
public class Admission {
  private final AdmissionQueue queue;
  private final AdmissionQueue creations;
  private final AdmissionQueue bulk;
  private final AdmissionQueue reads;

  public Admission(AdmissionConfig config, MeterRegistry meters) {
    this.queue = new AdmissionQueue(config.maxInFlight(), config.maxWaiting());
    this.creations = new AdmissionQueue(config.creationMaxInFlight(), config.creationMaxWaiting());
    this.bulk = new AdmissionQueue(config.bulkMaxInFlight(), config.bulkMaxWaiting());
    this.reads = new AdmissionQueue(config.readMaxInFlight(), config.readMaxWaiting());
    meters.gauge("opencdi.admission.read-in-flight", reads, AdmissionQueue::inFlight);
    meters.gauge("opencdi.admission.read-waiting", reads, AdmissionQueue::waiting);
    meters.gauge("opencdi.admission.bulk-waiting", bulk, AdmissionQueue::waiting);
    meters.gauge("opencdi.admission.creation-in-flight", creations, AdmissionQueue::inFlight);
    meters.gauge("opencdi.admission.creation-waiting", creations, AdmissionQueue::waiting);
    meters.gauge("opencdi.admission.in-flight", queue, AdmissionQueue::inFlight);
    meters.gauge("opencdi.admission.waiting", queue, AdmissionQueue::waiting);
  }

  /** {@code work} once admitted; {@link OverloadedException} at once when the line is full. */
  public <T> Uni<T> admit(Supplier<Uni<T>> work) {
    return admit(queue, work, CHANGE_REFUSED);
  }

  /**
   * A single creation through the placement pipeline: its own, wide line, so that the pipeline's
   * batches can grow with the load (the common line's 24 would cap every batch at 24).
   */
  public <T> Uni<T> admitCreation(Supplier<Uni<T>> work) {
    return admit(creations, work, CHANGE_REFUSED);
  }

  /** A bulk creation: first its own line (one at a time), then the common one. */
  public <T> Uni<T> admitBulk(Supplier<Uni<T>> work) {
    return admit(bulk, () -> admit(queue, work, CHANGE_REFUSED), CHANGE_REFUSED);
  }

  /** A read of many rows: {@code work} once admitted to the readers' line, else OVERLOADED. */
  public <T> Uni<T> admitRead(Supplier<Uni<T>> work) {
    return admit(reads, work, READ_REFUSED);
  }

  private static final Function<AdmissionQueue, OverloadedException> CHANGE_REFUSED =
      refusal(
          "requests",
          "nothing was changed, retry shortly (with the same requestId, a retry never creates"
              + " twice)");
  private static final Function<AdmissionQueue, OverloadedException> READ_REFUSED =
      refusal("reads", "nothing was read, retry shortly");

  private static Function<AdmissionQueue, OverloadedException> refusal(
      String what, String consequence) {
    return queue ->
        new OverloadedException(
            "the gateway is at capacity ("
                + queue.maxInFlight()
                + " "
                + what
                + " at work, "
                + queue.maxWaiting()
                + " waiting); "
                + consequence);
  }

  private static <T> Uni<T> admit(
      AdmissionQueue queue,
      Supplier<Uni<T>> work,
      Function<AdmissionQueue, OverloadedException> refusal) {
    return Uni.createFrom()
        .emitter(
            emitter -> {
              Context context = Vertx.currentContext();
              Runnable run =
                  () ->
                      Uni.createFrom()
                          .deferred(work::get)
                          .onTermination()
                          .invoke(queue::leave)
                          .subscribe()
                          .with(emitter::complete, emitter::fail);
              Runnable onTurn = context == null ? run : () -> context.runOnContext(v -> run.run());
              switch (queue.enter(onTurn)) {
                case ADMITTED -> run.run();
                case QUEUED -> {}
                case REFUSED -> emitter.fail(refusal.apply(queue));
              }
            });
  }
}
