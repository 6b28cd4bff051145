package io.opencdi.loadtest.simulation;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.opencdi.loadtest.LoadRun;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Waiting for a desktop's state the way the web UI's fallback does: polling the query. */
final class DesktopWaits {
  private DesktopWaits() {}

  /**
   * Polls the session's desktop ({@code id}) every 500 ms until it is in {@code state}, for at most
   * 60 s; a desktop that does not get there counts in {@code stuck} and fails the virtual user.
   */
  static ChainBuilder awaitState(LoadRun run, String state, AtomicLong stuck) {
    return exec(session -> session.set("state", "").set("polls", 0))
        .doIf(session -> session.contains("id"))
        .then(
            asLongAs(
                    session ->
                        !state.equals(session.getString("state")) && session.getInt("polls") < 120)
                .on(
                    pause(Duration.ofMillis(500))
                        .exec(
                            http("desktop (poll)")
                                .post("#{base}/graphql")
                                .header("Authorization", "Bearer #{token}")
                                .body(
                                    StringBody(
                                        session ->
                                            Gql.body(
                                                run.harness().operations(),
                                                "desktops",
                                                "Desktop",
                                                Map.of("id", session.getString("id")))))
                                .check(status().is(200))
                                .check(jsonPath("$.data.desktop.state").optional().saveAs("state")))
                        .exec(session -> session.set("polls", session.getInt("polls") + 1)))
                .exec(
                    session -> {
                      if (!state.equals(session.getString("state"))) {
                        stuck.incrementAndGet();
                        return session.markAsFailed();
                      }
                      return session;
                    }));
  }
}
