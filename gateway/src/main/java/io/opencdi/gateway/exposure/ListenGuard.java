package io.opencdi.gateway.exposure;

import io.opencdi.gateway.auth.AuthConfig;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.db.Db;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The embedded default's seeded users (admin, alice, bob) start with their user names as passwords.
 * Such a gateway listens on loopback only: it refuses to start on any other address while one of
 * them still has that password. A password configured for a seeded user ({@code
 * opencdi.auth.seed.passwords.<user>}) replaces the default one at start, which is how an existing
 * data directory gets ready to be exposed.
 */
@ApplicationScoped
public class ListenGuard {
  private static final Logger LOG = Logger.getLogger(ListenGuard.class);
  private static final List<String> SEEDED = List.of("admin", "alice", "bob");

  private final Db db;
  private final AuthConfig auth;
  private final String host;

  public ListenGuard(
      Db db,
      AuthConfig auth,
      @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String host) {
    this.db = db;
    this.auth = auth;
    this.host = host;
  }

  /** After the seeder (priority 10), before the HTTP server accepts requests. */
  void onStart(@Observes @Priority(20) StartupEvent event) throws Throwable {
    if (!auth.seed().enabled()) {
      return;
    }
    List<String> defaults = VertxContextSupport.subscribeAndAwait(this::replaceDefaultPasswords);
    if (!defaults.isEmpty() && !isLoopback(host)) {
      throw new IllegalStateException(
          "refusing to listen on "
              + host
              + ": the seeded users "
              + defaults
              + " still have their default passwords. Set a password for each (for example"
              + " OPENCDI_AUTH_SEED_PASSWORDS_ADMIN=...) or listen on loopback only");
    }
  }

  /** Applies configured passwords; answers who still has the default one. */
  Uni<List<String>> replaceDefaultPasswords() {
    return db.transaction(
        s ->
            s.createSelectionQuery("from UserEntity u where u.username in :names", UserEntity.class)
                .setParameter("names", SEEDED)
                .getResultList()
                .map(
                    users -> {
                      List<String> defaults = new ArrayList<>();
                      for (UserEntity u : users) {
                        if (!BcryptUtil.matches(u.username, u.passwordHash)) {
                          continue;
                        }
                        String configured = auth.seed().passwords().get(u.username);
                        if (configured != null && !configured.equals(u.username)) {
                          u.passwordHash = BcryptUtil.bcryptHash(configured);
                          LOG.infof(
                              "%s's default password replaced by the configured one", u.username);
                        } else {
                          defaults.add(u.username);
                        }
                      }
                      return defaults;
                    }));
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
