package io.opencdi.gateway.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Frames an agent sent about clusters or desktops it does not own, or with a capacity nobody has:
 * each is logged and counted ({@code opencdi.agents.frames.refused}, tagged with the frame kind)
 * and changes nothing. A count above zero means a misconfigured or a hostile agent.
 */
@ApplicationScoped
public class AgentRefusals {
  private static final Logger LOG = Logger.getLogger(AgentRefusals.class);
  static final String METER = "opencdi.agents.frames.refused";

  private final MeterRegistry meters;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public AgentRefusals(MeterRegistry meters) {
    this.meters = meters;
  }

  /**
   * Records that agent {@code agentName} sent a {@code frame} that was refused because of {@code
   * why}.
   */
  public void refused(String agentName, String frame, String why) {
    LOG.warnf("refused a %s frame of agent %s: %s", frame, agentName, why);
    counters
        .computeIfAbsent(frame, f -> Counter.builder(METER).tag("frame", f).register(meters))
        .increment();
  }
}
