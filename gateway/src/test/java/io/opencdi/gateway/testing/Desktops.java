package io.opencdi.gateway.testing;

import static io.opencdi.gateway.testing.GraphQL.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;

/**
 * A user's desktops driven through the API as the portal drives them (the shared operation
 * documents), for tests that need desktops in a given state before they try what they are about.
 * Each step asserts that the API took it, and waits until the agent has carried it out.
 */
public final class Desktops {
  /** Long enough for a simulated desktop on a busy build machine. */
  public static final Duration WAIT = Duration.ofSeconds(60);

  private Desktops() {}

  /** The id of the template named {@code name}, as {@code token} lists the templates. */
  public static String templateId(String token, String name) {
    String id =
        run(token, "templates", "Templates")
            .getString("data.templates.find { it.name == '" + name + "' }.id");
    assertThat(id).as("template " + name).isNotNull();
    return id;
  }

  /** The desktop's state as its owner (or an admin) reads it. */
  public static String state(String token, String id) {
    return run(token, "desktops", "Desktop", "id", id).getString("data.desktop.state");
  }

  /** Waits until the desktop is in {@code state}. */
  public static void awaitState(String token, String id, String state) {
    await().atMost(WAIT).until(() -> state.equals(state(token, id)));
  }

  /** Creates a desktop from {@code input} ({@code CreateDesktopInput}) and waits until it runs. */
  public static String running(String token, Map<String, Object> input) {
    JsonPath r = run(token, "desktops", "CreateDesktop", "input", input);
    String id = r.getString("data.createDesktop.id");
    assertThat(id).as(r.prettify()).isNotNull();
    awaitState(token, id, "RUNNING");
    return id;
  }

  /**
   * Creates a desktop from {@code input} ({@code CreateDesktopInput}), asserts that it was placed
   * on {@code cluster}, and waits until it runs.
   */
  public static String running(String token, Map<String, Object> input, String cluster) {
    JsonPath r = run(token, "desktops", "CreateDesktop", "input", input);
    assertThat(r.getString("data.createDesktop.cluster.name")).as(r.prettify()).isEqualTo(cluster);
    String id = r.getString("data.createDesktop.id");
    assertThat(id).as(r.prettify()).isNotNull();
    awaitState(token, id, "RUNNING");
    return id;
  }

  /** Powers the desktop off and waits until it is STOPPED. */
  public static void stop(String token, String id) {
    JsonPath r = run(token, "desktops", "StopDesktop", "id", id);
    assertThat(r.getString("data.stopDesktop.id")).as(r.prettify()).isEqualTo(id);
    awaitState(token, id, "STOPPED");
  }

  /** Deletes the desktop and waits until it is DELETED. */
  public static void delete(String token, String id) {
    JsonPath r = run(token, "desktops", "DeleteDesktop", "id", id);
    assertThat(r.getString("data.deleteDesktop.id")).as(r.prettify()).isEqualTo(id);
    awaitState(token, id, "DELETED");
  }
}
