package io.opencdi.agent.runtime.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;

/** What the agent observed of a {@link DesktopSnapshot}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DesktopSnapshotStatus {

  @PrinterColumn(name = "State", priority = 0)
  @JsonPropertyDescription("Pending, Ready or Failed.")
  public String state;

  @JsonPropertyDescription("Name of the VolumeSnapshot holding the copy.")
  public String volumeSnapshotName;

  @JsonPropertyDescription("Size of a volume restored from it, as the CSI driver reported.")
  public String restoreSize;

  @JsonPropertyDescription("Why the snapshot failed.")
  public String reason;
}
