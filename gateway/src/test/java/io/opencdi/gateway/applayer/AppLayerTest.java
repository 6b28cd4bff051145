package io.opencdi.gateway.applayer;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.agent.AgentInventory;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.DesktopEntity;
import io.opencdi.gateway.karmada.KarmadaObjects;
import io.opencdi.gateway.testing.AgentProcess;
import io.opencdi.gateway.testing.PostgresResource;
import io.opencdi.protocol.AppLayer;
import io.opencdi.protocol.DesktopSpec;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Application layers as users and admins meet them: the catalogue, a template's default layers and
 * a launch's additions, down to what the desktop's cluster is told to run.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppLayerTest {
  private static final String FLEET =
      """
      clusters:
        - name: layers-a
          region: layer-land
          zone: layer-land-1a
          arch: [amd64]
          runtimeClasses: [runc, gvisor]
          storageClasses: [longhorn]
          nodes: { count: 2, cpuMillis: 16000, memoryMiB: 65536, maxDesktops: 110 }
      """;

  @TestHTTPResource("/")
  URL base;

  @Inject Db db;
  @Inject AgentInventory inventory;

  private AgentProcess agent;
  private String admin;
  private String alice;

  @BeforeEach
  void startAgent() {
    if (agent != null) {
      return;
    }
    agent = AgentProcess.start(base.getPort(), PostgresResource.AGENT_TOKEN, FLEET, "layers-agent");
    admin = login("admin");
    alice = login("alice");
    agent.awaitReady(admin, "layers-a");
  }

  @AfterAll
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  private static Map<String, Object> layer(String name, String version, String image) {
    Map<String, Object> in = new HashMap<>();
    in.put("name", name);
    in.put("version", version);
    in.put("image", image);
    return in;
  }

  private String addLayer(String name, String version) {
    JsonPath r =
        run(
            admin,
            "apps",
            "CreateAppLayer",
            "input",
            layer(name, version, "registry.example.org/apps/" + name + ":" + version));
    String id = r.getString("data.createAppLayer.id");
    assertThat(id).as(r.prettify()).isNotNull();
    return id;
  }

  private String addTemplate(String name, List<String> apps) {
    Map<String, Object> in = new HashMap<>();
    in.put("name", name);
    in.put("image", "opencdi/desktop-xfce:0.1");
    in.put("cpuMillis", 1000);
    in.put("memoryMiB", 2048);
    in.put("apps", apps);
    JsonPath r = run(admin, "templates", "CreateTemplate", "input", in);
    String id = r.getString("data.createTemplate.id");
    assertThat(id).as(r.prettify()).isNotNull();
    return id;
  }

  private JsonPath launch(String token, String templateId, List<String> apps) {
    Map<String, Object> in = new HashMap<>();
    in.put("templateId", templateId);
    in.put("apps", apps);
    return run(token, "apps", "CreateDesktopWithApps", "input", in);
  }

  private List<String> layerNames(String token) {
    return run(token, "apps", "AppLayers").getList("data.appLayers.name");
  }

  private int desktopsOf(String token) {
    return run(token, "desktops", "Desktops").getInt("data.desktops.totalCount");
  }

  @Test
  void anAdminAddsALayerThatEveryoneSees() {
    addLayer("gimp", "2.10.38");
    JsonPath seen = run(alice, "apps", "AppLayers");
    String path = "data.appLayers.find { it.name == 'gimp' }";
    assertThat(seen.getString(path + ".version")).as(seen.prettify()).isEqualTo("2.10.38");
    assertThat(seen.getString(path + ".image")).isEqualTo("registry.example.org/apps/gimp:2.10.38");
    assertThat(seen.getString(path + ".createdAt")).isNotNull();
  }

  @Test
  void onlyAnAdminAddsALayer() {
    Map<String, Object> in = layer("miner", "1", "evil.example.org/miner:1");
    assertThat(errorCode(run(alice, "apps", "CreateAppLayer", "input", in))).isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(null, "apps", "CreateAppLayer", "input", in)))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(null, "apps", "AppLayers"))).isEqualTo("UNAUTHENTICATED");
    assertThat(layerNames(admin)).doesNotContain("miner");
  }

  @Test
  void aLayerLeavesTheCatalogueOnceNoTemplateNamesItAndDesktopsKeepTheirs() {
    String old = addLayer("legacy-viewer", "0.9");
    String template = addTemplate("with-legacy-viewer", List.of(old));
    JsonPath launched = launch(alice, template, List.of());
    String desktop = launched.getString("data.createDesktop.id");
    assertThat(desktop).as(launched.prettify()).isNotNull();

    // Refused while a template names it, naming the template; nothing changes.
    JsonPath inUse = run(admin, "apps", "DeleteAppLayer", "id", old);
    assertThat(errorCode(inUse)).as(inUse.prettify()).isEqualTo("CONFLICT");
    assertThat(inUse.getString("errors[0].message")).contains("with-legacy-viewer");
    assertThat(layerNames(admin)).contains("legacy-viewer");

    // Users may not take layers out; bad and unknown ids change nothing either.
    assertThat(errorCode(run(alice, "apps", "DeleteAppLayer", "id", old))).isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(null, "apps", "DeleteAppLayer", "id", old)))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(errorCode(run(admin, "apps", "DeleteAppLayer", "id", "x'; drop table app_layer;--")))
        .isEqualTo("VALIDATION");
    assertThat(errorCode(run(admin, "apps", "DeleteAppLayer", "id", UUID.randomUUID().toString())))
        .isEqualTo("NOT_FOUND");
    assertThat(layerNames(admin)).contains("legacy-viewer");

    // Once the template no longer names it, it goes.
    Map<String, Object> plain = new HashMap<>();
    plain.put("name", "with-legacy-viewer");
    plain.put("image", "opencdi/desktop-xfce:0.1");
    plain.put("cpuMillis", 1000);
    plain.put("memoryMiB", 2048);
    plain.put("apps", List.of());
    JsonPath updated = run(admin, "templates", "UpdateTemplate", "id", template, "input", plain);
    assertThat(updated.getList("data.updateTemplate.apps")).as(updated.prettify()).isEmpty();
    JsonPath deleted = run(admin, "apps", "DeleteAppLayer", "id", old);
    assertThat(deleted.getBoolean("data.deleteAppLayer")).as(deleted.prettify()).isTrue();
    assertThat(layerNames(alice)).doesNotContain("legacy-viewer");

    // It can no longer be added at launch; the desktop that has it keeps it.
    JsonPath again = launch(alice, template, List.of(old));
    assertThat(errorCode(again)).as(again.prettify()).isEqualTo("NOT_FOUND");
    assertThat(run(alice, "apps", "DesktopApps", "id", desktop).getList("data.desktop.apps.name"))
        .containsExactly("legacy-viewer");
    assertThat(errorCode(run(admin, "apps", "DeleteAppLayer", "id", old))).isEqualTo("NOT_FOUND");
  }

  @Test
  void badLayersAreRefusedAndChangeNothing() {
    addLayer("inkscape", "1.2");
    // A layer never changes: the same name and version again is a conflict.
    JsonPath again =
        run(admin, "apps", "CreateAppLayer", "input", layer("inkscape", "1.2", "evil/other:1"));
    assertThat(errorCode(again)).as(again.prettify()).isEqualTo("CONFLICT");
    for (Map<String, Object> bad :
        List.of(
            layer("../etc", "1", "example.org/a:1"),
            layer("Upper", "1", "example.org/a:1"),
            layer("ok-name", "1/../2", "example.org/a:1"),
            layer("ok-name", "", "example.org/a:1"),
            layer("ok-name", "1", "rm -rf /"),
            layer("ok-name", "1", "$(reboot)"))) {
      JsonPath r = run(admin, "apps", "CreateAppLayer", "input", bad);
      assertThat(errorCode(r)).as(bad + ": " + r.prettify()).isEqualTo("VALIDATION");
    }
    JsonPath all = run(admin, "apps", "AppLayers");
    assertThat(all.getList("data.appLayers.findAll { it.name == 'inkscape' }.image"))
        .containsExactly("registry.example.org/apps/inkscape:1.2");
    assertThat(all.getList("data.appLayers.name")).doesNotContain("ok-name", "Upper", "../etc");
  }

  @Test
  void aDesktopRunsItsTemplatesLayersThenItsOwnAndItsClusterIsToldSo() throws Throwable {
    String fonts = addLayer("fonts", "3");
    String office = addLayer("office", "7.6");
    String templateId = addTemplate("layered-office", List.of(fonts));
    JsonPath template = run(alice, "apps", "TemplateApps");
    assertThat(
            template.getList(
                "data.templates.find { it.id == '" + templateId + "' }.apps.name", String.class))
        .containsExactly("fonts");

    JsonPath plain = launch(alice, templateId, null);
    assertThat(plain.getList("data.createDesktop.apps.name", String.class))
        .as(plain.prettify())
        .containsExactly("fonts");
    // Asking again for a layer the template has keeps it once.
    JsonPath layered = launch(alice, templateId, List.of(office, fonts));
    String id = layered.getString("data.createDesktop.id");
    assertThat(layered.getList("data.createDesktop.apps.name", String.class))
        .as(layered.prettify())
        .containsExactly("fonts", "office");
    assertThat(
            run(alice, "apps", "DesktopApps", "id", id)
                .getList("data.desktop.apps.version", String.class))
        .containsExactly("3", "7.6");

    DesktopSpec spec =
        VertxContextSupport.subscribeAndAwait(() -> inventory.spec(UUID.fromString(id), "c"));
    assertThat(spec.layers())
        .containsExactly(
            new AppLayer("fonts", "3", "registry.example.org/apps/fonts:3"),
            new AppLayer("office", "7.6", "registry.example.org/apps/office:7.6"));
    DesktopEntity entity =
        VertxContextSupport.subscribeAndAwait(
            () -> db.session(s -> s.find(DesktopEntity.class, UUID.fromString(id))));
    assertThat(KarmadaObjects.spec(entity).get("layers"))
        .isEqualTo(
            List.of(
                Map.of(
                    "name", "fonts", "version", "3", "image", "registry.example.org/apps/fonts:3"),
                Map.of(
                    "name",
                    "office",
                    "version",
                    "7.6",
                    "image",
                    "registry.example.org/apps/office:7.6")));
  }

  @Test
  void badAdditionsAtLaunchAreRefusedAndCreateNothing() {
    String viewer = addLayer("viewer", "1");
    String viewer2 = addLayer("viewer", "2");
    String templateId = addTemplate("layered-viewer", List.of(viewer));
    int before = desktopsOf(alice);

    JsonPath unknown = launch(alice, templateId, List.of(UUID.randomUUID().toString()));
    assertThat(errorCode(unknown)).as(unknown.prettify()).isEqualTo("NOT_FOUND");
    JsonPath illFormed = launch(alice, templateId, List.of("'; drop table app_layer; --"));
    assertThat(errorCode(illFormed)).as(illFormed.prettify()).isEqualTo("VALIDATION");
    JsonPath twoVersions = launch(alice, templateId, List.of(viewer2));
    assertThat(errorCode(twoVersions)).as(twoVersions.prettify()).isEqualTo("VALIDATION");
    assertThat(desktopsOf(alice)).isEqualTo(before);
    assertThat(layerNames(alice)).contains("viewer");
  }

  @Test
  void aTemplateNamingAnUnknownLayerIsNotCreated() {
    Map<String, Object> in = new HashMap<>();
    in.put("name", "ghost-apps");
    in.put("image", "opencdi/desktop-xfce:0.1");
    in.put("cpuMillis", 1000);
    in.put("memoryMiB", 2048);
    in.put("apps", List.of(UUID.randomUUID().toString()));
    assertThat(errorCode(run(admin, "templates", "CreateTemplate", "input", in)))
        .isEqualTo("NOT_FOUND");
    assertThat(run(admin, "apps", "TemplateApps").getList("data.templates.name"))
        .doesNotContain("ghost-apps");
  }
}
