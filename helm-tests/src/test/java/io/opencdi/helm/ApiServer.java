package io.opencdi.helm;

import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * The fabric8 mock API server in CRUD mode, standing in for the cluster a chart is installed into.
 * Helm's {@code lookup} reads from it (the build points KUBECONFIG at the file written here), so a
 * test can put an earlier install's Secret in place and see whether the chart keeps it.
 */
final class ApiServer {
  private static final KubernetesMockServer SERVER = start();
  static final KubernetesClient CLIENT = SERVER.createClient();

  private ApiServer() {}

  /** Makes sure the server runs and KUBECONFIG names it; call before any Helm command. */
  static void ensureStarted() {}

  private static KubernetesMockServer start() {
    var server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), new Discovery(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    writeKubeconfig(server.url("/").replaceAll("/$", ""));
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    return server;
  }

  /** CRUD storage plus the discovery document Helm's lookup reads before the object itself. */
  private static final class Discovery extends KubernetesCrudDispatcher {
    private static final String CORE_V1 =
        Serialization.asJson(
            new APIResourceListBuilder()
                .withGroupVersion("v1")
                .addToResources(
                    new APIResourceBuilder()
                        .withName("secrets")
                        .withKind("Secret")
                        .withNamespaced(true)
                        .withVerbs("get", "list", "create", "delete")
                        .build())
                .build());

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.getPath().split("\\?")[0].equals("/api/v1")) {
        return new MockResponse()
            .setResponseCode(200)
            .addHeader("Content-Type", "application/json")
            .setBody(CORE_V1);
      }
      return super.dispatch(request);
    }
  }

  private static void writeKubeconfig(String url) {
    String path = System.getenv("KUBECONFIG");
    if (path == null) {
      throw new IllegalStateException(
          "KUBECONFIG is not set: run the tests through Maven (helm-tests/pom.xml sets it)");
    }
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: mock
            cluster:
              server: %s
        contexts:
          - name: mock
            context:
              cluster: mock
              user: mock
        current-context: mock
        users:
          - name: mock
            user:
              token: not-a-secret
        """
            .formatted(url);
    try {
      Files.createDirectories(Path.of(path).getParent());
      Files.writeString(Path.of(path), kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
