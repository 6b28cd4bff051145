package io.opencdi.agent.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opencdi.agent.runtime.DesktopAudio;
import io.opencdi.agent.runtime.DisplayEndpoint;
import io.opencdi.agent.runtime.TcpDesktopAudio;
import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.DesktopStatus;
import io.opencdi.protocol.DesktopUsage;
import io.opencdi.protocol.LiveQuery;
import io.opencdi.protocol.LiveReport;
import io.opencdi.protocol.NodeUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What the gateway asks of desktops that run, outside their lifecycle: where a desktop's display
 * is, the watermark on its screen, and the live use of desktops and nodes. None of these changes a
 * Desktop or waits for the reconciler, so they are kept apart from it; each reads the caches and
 * the last reported states, and the watermark and live use make their one API call each.
 */
final class RunningDesktops {
  // Logs under the runtime's category, as before these had a class of their own.
  private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

  private final KubernetesSettings settings;
  private final KubernetesCache cache;
  private final KubernetesApi api;
  private final DesktopStatuses statuses;
  private final String ns;

  RunningDesktops(
      KubernetesSettings settings,
      KubernetesCache cache,
      KubernetesApi api,
      DesktopStatuses statuses) {
    this.settings = settings;
    this.cache = cache;
    this.api = api;
    this.statuses = statuses;
    this.ns = settings.namespace();
  }

  /** The display Service of a {@code RUNNING} desktop. */
  Optional<DisplayEndpoint> display(String cluster, String desktopId) {
    if (!settings.clusterName().equals(cluster) || desktopId == null) {
      return Optional.empty();
    }
    if (!running(desktopId)) {
      return Optional.empty();
    }
    String name = DesktopNames.desktop(desktopId);
    Service service = cache.service(name);
    if (service == null || service.getSpec() == null || service.getSpec().getPorts().isEmpty()) {
      return Optional.empty();
    }
    String ip = service.getSpec().getClusterIP();
    String host = ip != null && !ip.isBlank() && !"None".equals(ip) ? ip : name + "." + ns + ".svc";
    return Optional.of(new DisplayEndpoint(host, service.getSpec().getPorts().get(0).getPort()));
  }

  /**
   * The sound of a {@code RUNNING} desktop (ADR 0044): its Service's sound ports, which exist only
   * when desktops have sound ({@code sound-from}).
   */
  Optional<DesktopAudio> audio(String cluster, String desktopId) {
    return display(cluster, desktopId)
        .flatMap(
            display -> {
              Service service = cache.service(DesktopNames.desktop(desktopId));
              Integer sound = servicePort(service, DesktopResources.SOUND_PORT_NAME);
              Integer microphone = servicePort(service, DesktopResources.MICROPHONE_PORT_NAME);
              return sound == null || microphone == null
                  ? Optional.empty()
                  : Optional.of(new TcpDesktopAudio(display.host(), sound, microphone));
            });
  }

  private static Integer servicePort(Service service, String name) {
    return service == null
        ? null
        : service.getSpec().getPorts().stream()
            .filter(p -> name.equals(p.getName()))
            .map(io.fabric8.kubernetes.api.model.ServicePort::getPort)
            .findFirst()
            .orElse(null);
  }

  /**
   * Annotates the desktop's Pod with its watermark (ADR 0040), which the kubelet projects into the
   * container; an annotation already saying so is left alone. Needs {@code patch} on Pods, no more.
   */
  void watermark(String cluster, String desktopId, String text) {
    if (!settings.clusterName().equals(cluster)
        || desktopId == null
        || DesktopNames.invalidId(desktopId).isPresent()) {
      return;
    }
    Pod pod = cache.pod(DesktopNames.desktop(desktopId));
    if (pod == null) {
      return;
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String wanted = text == null ? "" : text;
    String current =
        annotations == null ? null : annotations.get(DesktopResources.WATERMARK_ANNOTATION);
    if (wanted.equals(current == null ? "" : current)) {
      return;
    }
    // A JSON Patch of the one annotation, or of all annotations when the Pod has none (a merge
    // patch would do as well). An empty value is an empty file: no watermark.
    Object change =
        annotations == null
            ? Map.of(
                "op",
                "add",
                "path",
                "/metadata/annotations",
                "value",
                Map.of(DesktopResources.WATERMARK_ANNOTATION, wanted))
            : Map.of(
                "op",
                "add",
                "path",
                "/metadata/annotations/"
                    + DesktopResources.WATERMARK_ANNOTATION.replace("~", "~0").replace("/", "~1"),
                "value",
                wanted);
    api.jsonPatchPod(pod, List.of(change));
  }

  /**
   * Desktops' CPU and memory from metrics.k8s.io (what {@code kubectl top} reads: one list call for
   * the desktop Pods of the namespace), nodes from the informer cache plus their metrics. No
   * process lists: reading them would need {@code pods/exec} into users' desktops (ADR 0012).
   * Without a metrics server the node list still comes back, without use figures, and the report
   * says why the desktops' use is missing.
   */
  LiveReport live(LiveQuery query) {
    if (!settings.clusterName().equals(query.cluster())) {
      return LiveReport.failed(query, settings.unknownCluster(query.cluster()));
    }
    long now = System.currentTimeMillis();
    List<DesktopUsage> usage = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<String> running = query.desktopIds().stream().filter(this::running).toList();
    if (!running.isEmpty()) {
      try {
        Map<String, PodMetrics> byName = new HashMap<>();
        for (PodMetrics m :
            api.podMetrics(
                Map.of(
                    DesktopNames.MANAGED_BY,
                    DesktopNames.MANAGER,
                    DesktopNames.COMPONENT,
                    "desktop"))) {
          byName.put(m.getMetadata().getName(), m);
        }
        for (String id : running) {
          PodMetrics m = byName.get(DesktopNames.desktop(id));
          if (m != null) {
            usage.add(LiveMetrics.desktop(id, m, now));
          }
        }
      } catch (KubernetesClientException e) {
        errors.add("pod metrics unavailable (is metrics-server installed?): " + e.getMessage());
      }
    }
    List<NodeUsage> nodeList = new ArrayList<>();
    if (query.nodes()) {
      Map<String, NodeMetrics> metrics = new HashMap<>();
      try {
        for (NodeMetrics m : api.nodeMetrics()) {
          metrics.put(m.getMetadata().getName(), m);
        }
      } catch (KubernetesClientException e) {
        LOG.debugf("node metrics unavailable: %s", e.getMessage());
      }
      for (NodeCapacity node : cache.nodeCapacity()) {
        nodeList.add(LiveMetrics.node(node, metrics.get(node.name())));
      }
    }
    return new LiveReport(
        query.queryId(),
        query.cluster(),
        usage,
        nodeList,
        errors.isEmpty() ? null : String.join("; ", errors));
  }

  private boolean running(String desktopId) {
    DesktopStatus last = statuses.last(desktopId);
    return last != null && last.state() == DesktopState.RUNNING;
  }
}
