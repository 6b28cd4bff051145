package io.opencdi.agent.runtime.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the agent observed of a {@link Desktop}. Written through the status subresource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DesktopResourceStatus {

  @PrinterColumn(name = "State", priority = 0)
  @JsonPropertyDescription(
      "Observed state: STARTING, RUNNING, STOPPING, STOPPED or FAILED (as on the agent protocol).")
  public String state;

  @PrinterColumn(name = "Node", priority = 0)
  @JsonPropertyDescription("Node the desktop's Pod is bound to (or was placed on).")
  public String node;

  @JsonPropertyDescription("Why the desktop is in its state, e.g. an image pull failure.")
  public String reason;

  @JsonPropertyDescription("When the state last changed (RFC 3339).")
  public String lastTransitionTime;

  @JsonPropertyDescription("Name of the PersistentVolumeClaim holding the home directory.")
  public String homeClaim;

  @JsonPropertyDescription("Standard conditions: Ready (the display accepts connections).")
  public List<Condition> conditions = new ArrayList<>();
}
