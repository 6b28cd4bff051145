package io.opencdi.gateway.seed;

import io.opencdi.gateway.auth.AuthConfig;
import io.opencdi.gateway.auth.Roles;
import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.template.TemplateEntity;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Seeds the embedded default with users admin, alice and bob and a few templates, once. The
 * production profile refuses to start with seeding on: its users come from an identity provider and
 * default passwords must never reach a real installation.
 */
@ApplicationScoped
public class Seeder {
  private static final Logger LOG = Logger.getLogger(Seeder.class);
  private static final List<String> USERS = List.of("admin", "alice", "bob");

  private final Db db;
  private final AuthConfig config;

  public Seeder(Db db, AuthConfig config) {
    this.db = db;
    this.config = config;
  }

  void onStart(@Observes @Priority(10) StartupEvent event) throws Throwable {
    if (!config.seed().enabled()) {
      return;
    }
    if (LaunchMode.current() == LaunchMode.NORMAL
        && ConfigUtils.getProfiles().contains("prod")
        && !ConfigUtils.getProfiles().contains("embedded")) {
      throw new IllegalStateException(
          "opencdi.auth.seed.enabled is for the embedded default only: the production profile"
              + " does not create users with default passwords");
    }
    VertxContextSupport.subscribeAndAwait(this::seed);
  }

  Uni<Void> seed() {
    return db.transaction(
        s ->
            Db.lockUntilCommit(s, "opencdi.seed")
                .chain(
                    () ->
                        // The gateway's own users (SystemUsers) come with the schema: not a sign
                        // that anyone was seeded.
                        s.createSelectionQuery(
                                "select count(u) from UserEntity u where u.id <> :pools",
                                Long.class)
                            .setParameter("pools", SystemUsers.WARM_POOLS)
                            .getSingleResult())
                .flatMap(
                    n -> {
                      if (n > 0) {
                        return Uni.createFrom().voidItem();
                      }
                      LOG.info("seeding users admin, alice, bob and the default templates");
                      List<Object> rows = new java.util.ArrayList<>();
                      for (String name : USERS) {
                        UserEntity u = new UserEntity();
                        u.id = UUID.randomUUID();
                        u.username = name;
                        u.role = name.equals("admin") ? Roles.ADMIN : Roles.USER;
                        u.passwordHash =
                            BcryptUtil.bcryptHash(
                                config.seed().passwords().getOrDefault(name, name));
                        // No quota columns: seeded users get the configured default quota.
                        u.createdAt = OffsetDateTime.now();
                        rows.add(u);
                      }
                      rows.add(
                          template(
                              "xfce",
                              "Debian with XFCE",
                              "opencdi/desktop-xfce:0.1",
                              2000,
                              4096,
                              "runc"));
                      rows.add(
                          template(
                              "xfce-gvisor",
                              "Debian with XFCE, sandboxed by gVisor",
                              "opencdi/desktop-xfce:0.1",
                              2000,
                              4096,
                              "gvisor"));
                      rows.add(
                          template(
                              "openbox-small",
                              "Minimal Openbox desktop",
                              "opencdi/desktop-openbox:0.1",
                              1000,
                              2048,
                              "runc"));
                      rows.add(
                          template(
                              "workstation",
                              "Large XFCE workstation",
                              "opencdi/desktop-xfce:0.1",
                              8000,
                              32768,
                              "runc"));
                      // Real desktops on the embedded agent's host (cluster "local"): only that
                      // cluster offers the local-home storage class, so placement sends them
                      // there (docs/adr/0006-local-runtime.md).
                      rows.add(
                          template(
                              "local-desktop",
                              "Local desktop: a real Openbox desktop on this host",
                              "opencdi/desktop-openbox:0.1",
                              1000,
                              1024,
                              "runc",
                              "local-home",
                              1));
                      rows.add(
                          template(
                              "local-desktop-gvisor",
                              "Local desktop on this host, sandboxed by gVisor",
                              "opencdi/desktop-openbox:0.1",
                              1000,
                              1024,
                              "gvisor",
                              "local-home",
                              1));
                      // The host's own desktops show off the virtual PDF printer (ADR 0043) and
                      // sound (ADR 0044); the microphone stays an admin's choice.
                      for (Object row : rows) {
                        if (row instanceof TemplateEntity t
                            && "local-home".equals(t.storageClass)) {
                          t.printing = true;
                          t.audio = true;
                        }
                      }
                      return s.persistAll(rows.toArray());
                    }));
  }

  private static TemplateEntity template(
      String name, String description, String image, long cpu, long memory, String runtime) {
    return template(name, description, image, cpu, memory, runtime, "longhorn", 10);
  }

  private static TemplateEntity template(
      String name,
      String description,
      String image,
      long cpu,
      long memory,
      String runtime,
      String storageClass,
      int homeVolumeGiB) {
    TemplateEntity t = new TemplateEntity();
    t.id = UUID.randomUUID();
    t.name = name;
    t.description = description;
    t.image = image;
    t.cpuMillis = cpu;
    t.memoryMiB = memory;
    t.runtimeClass = runtime;
    t.storageClass = storageClass;
    t.homeVolumeGiB = homeVolumeGiB;
    t.createdAt = OffsetDateTime.now();
    return t;
  }
}
