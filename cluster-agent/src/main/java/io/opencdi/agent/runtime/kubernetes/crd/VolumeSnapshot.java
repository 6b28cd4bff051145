package io.opencdi.agent.runtime.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The fields of a CSI {@code snapshot.storage.k8s.io/v1 VolumeSnapshot} that the agent writes and
 * reads. Its CRD belongs to the external-snapshotter (installed with the CSI driver), not to
 * OpenCDI; fabric8's own model of it is not published for this client version.
 */
@Group("snapshot.storage.k8s.io")
@Version("v1")
@Kind("VolumeSnapshot")
@Plural("volumesnapshots")
public class VolumeSnapshot extends CustomResource<VolumeSnapshot.Spec, VolumeSnapshot.Status>
    implements Namespaced {

  /** {@code spec}: which claim to copy, with which class. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Spec {
    public String volumeSnapshotClassName;
    public Source source;
  }

  /** {@code spec.source}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Source {
    public String persistentVolumeClaimName;
    public String volumeSnapshotContentName;
  }

  /** {@code status}, written by the snapshot controller. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Status {
    public Boolean readyToUse;
    public String restoreSize;
    public String boundVolumeSnapshotContentName;
    public Error error;
  }

  /** {@code status.error}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Error {
    public String message;
    public String time;
  }
}
