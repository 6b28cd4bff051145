package io.opencdi.agent.runtime.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What a {@link Desktop} should be. Written by the agent from the gateway's commands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DesktopResourceSpec {

  @Required
  @JsonPropertyDescription("The gateway's id of the desktop.")
  public String desktopId;

  @JsonPropertyDescription("Display name chosen by the user.")
  public String displayName;

  @Required
  @JsonPropertyDescription("User name of the owner.")
  public String owner;

  @Required
  @JsonPropertyDescription("Container image of the desktop (from its template).")
  public String image;

  @Required
  @Min(1)
  @JsonPropertyDescription("CPU in millicores; the Pod requests and is limited to exactly this.")
  public Long cpuMillis;

  @Required
  @Min(1)
  @JsonPropertyDescription("Memory in MiB; the Pod requests and is limited to exactly this.")
  public Long memoryMiB;

  @Required
  @JsonPropertyDescription("On: a Pod runs. Off: no Pod; the home volume is kept.")
  public Power power;

  @JsonPropertyDescription("Node chosen by the gateway's placement; the Pod is pinned to it.")
  public String node;

  @JsonPropertyDescription("CPU architecture (kubernetes.io/arch) the Pod must run on.")
  public String arch;

  @JsonPropertyDescription(
      "RuntimeClass of the Pod (gvisor, kata, ...); runc or empty runs without one.")
  public String runtimeClassName;

  @JsonPropertyDescription("The home volume (a PersistentVolumeClaim kept across power off).")
  public HomeVolume home;

  @JsonPropertyDescription("Display (VNC) settings.")
  public Display display;

  @JsonPropertyDescription(
      "Application layers composed over the image, lowest first. Fixed when the desktop is"
          + " created: a running Pod keeps the layers it started with.")
  public List<Layer> layers;

  /** Power state wanted by the user, like a VM's. */
  public enum Power {
    On,
    Off
  }

  /** The home volume of a desktop. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HomeVolume {
    @Min(1)
    @JsonPropertyDescription("Size in GiB.")
    public Integer sizeGiB;

    @JsonPropertyDescription("StorageClass of the claim; the agent's default when empty.")
    public String storageClassName;

    @JsonPropertyDescription(
        "A DesktopSnapshot in the same namespace: a new home volume is restored from it.")
    public String restoreFrom;
  }

  /**
   * One application layer: an OCI image whose files the Pod mounts read-only under {@code
   * /opt/opencdi/layers/<position>-<name>}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Layer {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @Size(min = 1, max = 63)
    @JsonPropertyDescription("Name of the layer, a DNS label; part of its mount directory.")
    public String name;

    @JsonPropertyDescription("Version of the layer (informational; the image is what runs).")
    public String version;

    @Required
    @JsonPropertyDescription("OCI image reference holding the layer's files at its root.")
    public String image;

    public Layer() {}

    public Layer(String name, String version, String image) {
      this.name = name;
      this.version = version;
      this.image = image;
    }
  }

  /** Display settings of a desktop. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Display {
    @Min(1024)
    @JsonPropertyDescription("TCP port of the VNC (RFB) server in the Pod; default 5901.")
    public Integer port;

    @JsonPropertyDescription("Screen size WIDTHxHEIGHT, for example 1920x1080.")
    public String geometry;
  }
}
