package io.opencdi.gateway.webui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.gateway.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** The web UI cannot be framed by another site, sniffed into another type or leak its URLs. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SecurityHeadersTest {
  @Test
  void thePortalIsServedWithBrowserHardeningHeaders() {
    Response page = given().get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    String csp = page.header("Content-Security-Policy");
    assertThat(csp)
        .contains("default-src 'self'")
        .contains("script-src 'self'")
        .contains("frame-ancestors 'none'")
        .contains("object-src 'none'")
        .doesNotContain("unsafe-eval");
    assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
    assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
  }
}
