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

  @Test
  void adminSetsEveryPolicyAndEveryoneReadsThem() {
    String admin = login("admin");
    Map<String, Object> in = input("locked-down");
    in.put("clipboard", "TO_DESKTOP");
    in.put("clipboardMaxBytes", 4096);
    in.put("watermark", "{user} {time} {desktop} CONFIDENTIAL");
    in.put("fileTransfer", "UPLOAD");
    in.put("fileTransferMaxMiB", 5);
    in.put("printing", true);
    in.put("audio", true);
    in.put("microphone", true);
    in.put("idleTimeoutMinutes", 15);
    in.put("autoPowerOffMinutes", 60);
    in.put("maxSessionMinutes", 480);
    String id =
        run(admin, "templates", "CreateTemplate", "input", in).getString("data.createTemplate.id");
    JsonPath all = run(login("bob"), "templates", "Templates");
    String t = "data.templates.find { it.id == '" + id + "' }";
    assertThat(all.getString(t + ".clipboard")).isEqualTo("TO_DESKTOP");
    assertThat(all.getInt(t + ".clipboardMaxBytes")).isEqualTo(4096);
    assertThat(all.getString(t + ".watermark")).isEqualTo("{user} {time} {desktop} CONFIDENTIAL");
    assertThat(all.getString(t + ".fileTransfer")).isEqualTo("UPLOAD");
    assertThat(all.getInt(t + ".fileTransferMaxMiB")).isEqualTo(5);
    assertThat(all.getBoolean(t + ".printing")).isTrue();
    assertThat(all.getBoolean(t + ".audio")).isTrue();
    assertThat(all.getBoolean(t + ".microphone")).isTrue();
    assertThat(all.getInt(t + ".idleTimeoutMinutes")).isEqualTo(15);
    assertThat(all.getInt(t + ".autoPowerOffMinutes")).isEqualTo(60);
    assertThat(all.getInt(t + ".maxSessionMinutes")).isEqualTo(480);

    // Left out, every policy takes its default: what templates allowed before policies existed.
    String plain = "data.templates.find { it.name == 'xfce' }";
    assertThat(all.getString(plain + ".clipboard")).isEqualTo("BOTH");
    assertThat(all.getInt(plain + ".clipboardMaxBytes")).isEqualTo(1_048_576);
    assertThat(all.getString(plain + ".watermark")).isNull();
    assertThat(all.getString(plain + ".fileTransfer")).isEqualTo("BOTH");
    assertThat(all.getBoolean(plain + ".printing")).isFalse();
    assertThat(all.getString(plain + ".idleTimeoutMinutes")).isNull();
    assertThat(all.getString(plain + ".maxSessionMinutes")).isNull();
  }

  @Test
  void aUserCannotLoosenAPolicy() {
    String admin = login("admin");
    Map<String, Object> in = input("no-clipboard");
    in.put("clipboard", "NONE");
    in.put("watermark", "{user}");
    in.put("idleTimeoutMinutes", 10);
    String id =
        run(admin, "templates", "CreateTemplate", "input", in).getString("data.createTemplate.id");
    Map<String, Object> loosened = new HashMap<>(in);
    loosened.put("clipboard", "BOTH");
    loosened.put("watermark", null);
    loosened.put("idleTimeoutMinutes", null);
    assertThat(
            errorCode(
                run(login("alice"), "templates", "UpdateTemplate", "id", id, "input", loosened)))
        .isEqualTo("FORBIDDEN");
    assertThat(errorCode(run(login("bob"), "templates", "CreateTemplate", "input", loosened)))
        .isEqualTo("FORBIDDEN");
    JsonPath all = run(admin, "templates", "Templates");
    String t = "data.templates.find { it.id == '" + id + "' }";
    assertThat(all.getString(t + ".clipboard")).isEqualTo("NONE");
    assertThat(all.getString(t + ".watermark")).isEqualTo("{user}");
    assertThat(all.getInt(t + ".idleTimeoutMinutes")).isEqualTo(10);
  }

  @Test
  void badPoliciesAreValidationErrorsAndChangeNothing() {
    String admin = login("admin");
    Map<String, Object> in = input("policy-stays");
    in.put("clipboard", "FROM_DESKTOP");
    String id =
        run(admin, "templates", "CreateTemplate", "input", in).getString("data.createTemplate.id");
    Map<String, Map<String, Object>> bad = new java.util.LinkedHashMap<>();
    bad.put("clipboardMaxBytes 0", Map.of("clipboardMaxBytes", 0));
    bad.put("clipboardMaxBytes 64 MiB", Map.of("clipboardMaxBytes", 64 << 20));
    bad.put("watermark with a newline", Map.of("watermark", "a\nb"));
    bad.put("watermark with a control character", Map.of("watermark", "a\u001bb"));
    bad.put("watermark too long", Map.of("watermark", "x".repeat(121)));
    bad.put("empty watermark", Map.of("watermark", ""));
    bad.put("fileTransferMaxMiB 0", Map.of("fileTransferMaxMiB", 0));
    bad.put("microphone without audio", Map.of("microphone", true));
    bad.put("idle 0", Map.of("idleTimeoutMinutes", 0));
    bad.put("idle two days", Map.of("idleTimeoutMinutes", 2880));
    bad.put("power-off negative", Map.of("autoPowerOffMinutes", -1));
    bad.put("session 0", Map.of("maxSessionMinutes", 0));
    bad.forEach(
        (what, change) -> {
          Map<String, Object> changed = new HashMap<>(in);
          changed.putAll(change);
          changed.put("clipboard", "BOTH");
          assertThat(
                  errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", changed)))
              .as(what)
              .isEqualTo("VALIDATION");
        });
    Map<String, Object> unknown = new HashMap<>(in);
    unknown.put("clipboard", "SOMETIMES");
    assertThat(errorCode(run(admin, "templates", "UpdateTemplate", "id", id, "input", unknown)))
        .isNotNull();
    assertThat(
            run(admin, "templates", "Templates")
                .getString("data.templates.find { it.id == '" + id + "' }.clipboard"))
        .isEqualTo("FROM_DESKTOP");
  }
}
