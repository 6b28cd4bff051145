package io.opencdi.agent.runtime.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Which desktop's home volume to snapshot, and how. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DesktopSnapshotSpec {

  @Required
  @JsonPropertyDescription("Name of the Desktop (same namespace) whose home volume is copied.")
  public String desktopName;

  @JsonPropertyDescription("VolumeSnapshotClass to use; the agent's default when empty.")
  public String volumeSnapshotClassName;
}
