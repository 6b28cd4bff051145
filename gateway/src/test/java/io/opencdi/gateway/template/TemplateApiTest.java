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
}
