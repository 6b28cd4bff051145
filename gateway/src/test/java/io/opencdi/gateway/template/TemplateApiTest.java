package io.opencdi.gateway.template;

import static io.opencdi.gateway.testing.GraphQL.errorCode;
import static io.opencdi.gateway.testing.GraphQL.login;
import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class TemplateApiTest {

  private static Map<String, Object> input(String name) {
    Map<String, Object> in = new HashMap<>();
    in.put("name", name);
    in.put("image", "opencdi/desktop-xfce:0.1");
    in.put("cpuMillis", 1500);
    in.put("memoryMiB", 3072);
    in.put("runtimeClass", "gvisor");
    return in;
  }

  @Test
  void adminCreatesATemplateThatEveryoneSees() {
    JsonPath created =
        run(login("admin"), "templates", "CreateTemplate", "input", input("lab-gvisor"));
    assertThat(created.getString("data.createTemplate.runtimeClass")).isEqualTo("gvisor");
    assertThat(created.getString("data.createTemplate.storageClass")).isEqualTo("longhorn");
    assertThat(run(login("bob"), "templates", "Templates").getList("data.templates.name"))
        .contains("lab-gvisor", "xfce");
  }

  @Test
  void duplicateNameIsAConflictAndChangesNothing() {
    String admin = login("admin");
    run(admin, "templates", "CreateTemplate", "input", input("dup-name"));
    Map<String, Object> second = input("dup-name");
    second.put("cpuMillis", 4000);
    JsonPath r = run(admin, "templates", "CreateTemplate", "input", second);
    assertThat(errorCode(r)).isEqualTo("CONFLICT");
    JsonPath all = run(admin, "templates", "Templates");
    assertThat(all.getList("data.templates.findAll { it.name == 'dup-name' }.cpuMillis"))
        .containsExactly(1500);
  }

  @Test
  void badInputIsAValidationError() {
    String admin = login("admin");
    Map<String, Object> badRuntime = input("bad-runtime");
    badRuntime.put("runtimeClass", "docker");
    assertThat(errorCode(run(admin, "templates", "CreateTemplate", "input", badRuntime)))
        .isEqualTo("VALIDATION");
    Map<String, Object> badCpu = input("bad-cpu");
    badCpu.put("cpuMillis", 5);
    assertThat(errorCode(run(admin, "templates", "CreateTemplate", "input", badCpu)))
        .isEqualTo("VALIDATION");
    assertThat(errorCode(run(admin, "templates", "CreateTemplate", "input", input("Not A Label"))))
        .isEqualTo("VALIDATION");
  }

  @Test
  void adminChangesATemplateAndNewDesktopsGetTheChange() {
    String admin = login("admin");
    String id =
        run(admin, "templates", "CreateTemplate", "input", input("to-edit"))
            .getString("data.createTemplate.id");
    Map<String, Object> changed = input("edited");
    changed.put("image", "opencdi/desktop-xfce:0.2");
    changed.put("cpuMillis", 3000);
    changed.put("memoryMiB", 6144);
    changed.put("runtimeClass", "kata");
    changed.put("storageClass", "fast-ssd");
    changed.put("homeVolumeGiB", 40);
    JsonPath r = run(admin, "templates", "UpdateTemplate", "id", id, "input", changed);
    assertThat(r.getString("data.updateTemplate.id")).as(r.prettify()).isEqualTo(id);
    JsonPath all = run(login("bob"), "templates", "Templates");
    String path = "data.templates.find { it.id == '" + id + "' }";
    assertThat(all.getString(path + ".name")).isEqualTo("edited");
    assertThat(all.getString(path + ".image")).isEqualTo("opencdi/desktop-xfce:0.2");
    assertThat(all.getInt(path + ".cpuMillis")).isEqualTo(3000);
    assertThat(all.getInt(path + ".memoryMiB")).isEqualTo(6144);
    assertThat(all.getString(path + ".runtimeClass")).isEqualTo("kata");
    assertThat(all.getString(path + ".storageClass")).isEqualTo("fast-ssd");
    assertThat(all.getInt(path + ".homeVolumeGiB")).isEqualTo(40);
  }

  @Test
  void onlyAnAdminChangesATemplate() {
    String admin = login("admin");
    String id =
        run(admin, "templates", "CreateTemplate", "input", input("not-for-users"))
            .getString("data.createTemplate.id");
    Map<String, Object> changed = input("not-for-users");
    changed.put("image", "evil/miner:latest");
    JsonPath r = run(login("alice"), "templates", "UpdateTemplate", "id", id, "input", changed);
    assertThat(errorCode(r)).isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(null, "templates", "UpdateTemplate", "id", id, "input", changed)))
        .isEqualTo("UNAUTHENTICATED");
    assertThat(imageOf(admin, id)).isEqualTo("opencdi/desktop-xfce:0.1");
  }

  @Test
  void badChangesAreRefusedAndChangeNothing() {
    String admin = login("admin");
    String id =
        run(admin, "templates", "CreateTemplate", "input", input("stays-put"))
            .getString("data.createTemplate.id");
    run(admin, "templates", "CreateTemplate", "input", input("taken-name"));
    Map<String, Object> badRuntime = input("stays-put");
    badRuntime.put("runtimeClass", "docker");
    badRuntime.put("image", "opencdi/other:1");
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", badRuntime)))
        .isEqualTo("VALIDATION");
    Map<String, Object> badStorage = input("stays-put");
    badStorage.put("storageClass", "Not A Class!");
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", badStorage)))
        .isEqualTo("VALIDATION");
    Map<String, Object> badImage = input("stays-put");
    badImage.put("image", "rm -rf /");
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", badImage)))
        .isEqualTo("VALIDATION");
    Map<String, Object> badVolume = input("stays-put");
    badVolume.put("homeVolumeGiB", 0);
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", badVolume)))
        .isEqualTo("VALIDATION");
    assertThat(
            errorCode(
                run(admin, "templates", "UpdateTemplate", "id", "nope", "input", input("x-y"))))
        .isEqualTo("VALIDATION");
    assertThat(
            errorCode(
                run(
                    admin,
                    "templates",
                    "UpdateTemplate",
                    "id",
                    java.util.UUID.randomUUID().toString(),
                    "input",
                    input("x-y"))))
        .isEqualTo("NOT_FOUND");
    Map<String, Object> rename = input("taken-name");
    rename.put("image", "opencdi/other:1");
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", rename)))
        .isEqualTo("CONFLICT");
    assertThat(imageOf(admin, id)).isEqualTo("opencdi/desktop-xfce:0.1");
  }

  private static String imageOf(String token, String id) {
    return run(token, "templates", "Templates")
        .getString("data.templates.find { it.id == '" + id + "' }.image");
  }
}
