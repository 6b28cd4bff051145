package io.opencdi.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every image definition under images/ passes {@link Dockerfiles#problems}. */
class ImagesTest {
  private static final Path IMAGES = Charts.ROOT.resolve("images");

  @Test
  void everyDockerfileIsPinnedNonRootAndHealthChecked() throws IOException {
    List<Path> dockerfiles = dockerfiles();
    assertThat(dockerfiles)
        .extracting(p -> IMAGES.relativize(p).toString())
        .contains("gateway/Dockerfile", "cluster-agent/Dockerfile", "desktop-openeuler/Dockerfile");
    for (Path dockerfile : dockerfiles) {
      assertThat(Dockerfiles.problems(Files.readString(dockerfile)))
          .as("%s", Charts.ROOT.relativize(dockerfile))
          .isEmpty();
    }
  }

  @Test
  void theOpenEulerDesktopRunsTheSameEntrypointAsTheDebianOne() throws IOException {
    var instructions =
        Dockerfiles.parse(Files.readString(IMAGES.resolve("desktop-openeuler/Dockerfile")));
    // Built with images/ as the context, it copies the Debian image's script, not a copy of it.
    assertThat(instructions)
        .anySatisfy(
            in -> {
              assertThat(in.keyword()).isEqualTo("COPY");
              assertThat(in.args())
                  .endsWith("desktop/entrypoint.sh /usr/local/bin/opencdi-entrypoint");
            });
    assertThat(IMAGES.resolve("desktop/entrypoint.sh")).isRegularFile();
    assertThat(instructions)
        .anySatisfy(
            in -> {
              assertThat(in.keyword()).isEqualTo("ENTRYPOINT");
              assertThat(in.args()).isEqualTo("[\"/usr/local/bin/opencdi-entrypoint\"]");
            });
  }

  @Test
  void theJavaImagesCopyTheQuarkusFastJarLayout() throws IOException {
    for (String image : List.of("gateway", "cluster-agent")) {
      var copies =
          Dockerfiles.parse(Files.readString(IMAGES.resolve(image + "/Dockerfile"))).stream()
              .filter(in -> in.keyword().equals("COPY"))
              .map(Dockerfiles.Instruction::args)
              .toList();
      assertThat(copies)
          .as(image)
          .anyMatch(c -> c.contains("target/quarkus-app/lib/ /deployments/lib/"))
          .anyMatch(c -> c.contains("target/quarkus-app/*.jar /deployments/"))
          .anyMatch(c -> c.contains("target/quarkus-app/app/ /deployments/app/"))
          .anyMatch(c -> c.contains("target/quarkus-app/quarkus/ /deployments/quarkus/"));
    }
  }

  @Test
  void theChecksCatchWhatTheyAreFor() {
    String good =
        """
        FROM eclipse-temurin:21.0.8_9-jre-noble AS build
        FROM build
        # a comment \\
        USER 10001:10001
        HEALTHCHECK --interval=5s \\
          CMD ["true"]
        """;
    assertThat(Dockerfiles.problems(good)).isEmpty();
    assertThat(Dockerfiles.problems("FROM debian\nUSER 1000\nHEALTHCHECK CMD true"))
        .containsExactly("base image debian has no tag: it means latest");
    assertThat(Dockerfiles.problems("FROM debian:latest\nUSER 1000\nHEALTHCHECK CMD true"))
        .containsExactly("base image debian:latest is not pinned to a version");
    assertThat(Dockerfiles.problems("FROM debian:stable-slim\nUSER 1000\nHEALTHCHECK CMD true"))
        .containsExactly("base image debian:stable-slim is not pinned to a version");
    assertThat(
            Dockerfiles.problems(
                "FROM registry:5000/debian@sha256:"
                    + "0".repeat(64)
                    + "\nUSER 1000\nHEALTHCHECK CMD true"))
        .isEmpty();
    assertThat(Dockerfiles.problems("FROM debian:12.11\nHEALTHCHECK CMD true"))
        .containsExactly("no USER: the image would run as root");
    assertThat(Dockerfiles.problems("FROM debian:12.11\nUSER 0:0\nHEALTHCHECK CMD true"))
        .containsExactly("USER 0:0 is root");
    assertThat(Dockerfiles.problems("FROM debian:12.11\nUSER desktop\nHEALTHCHECK CMD true"))
        .containsExactly("USER desktop is not numeric");
    assertThat(Dockerfiles.problems("FROM debian:12.11\nUSER 1000\nHEALTHCHECK NONE"))
        .containsExactly("no HEALTHCHECK");
    // A USER in an earlier stage does not count for the final one.
    assertThat(Dockerfiles.problems("FROM a:1 AS b\nUSER 1000\nFROM c:2\nHEALTHCHECK CMD true"))
        .containsExactly("no USER: the image would run as root");
    assertThat(Dockerfiles.problems("ARG V\nFROM debian:$V\nUSER 1\nHEALTHCHECK CMD true"))
        .containsExactly("base image debian:$V depends on a build argument");
  }

  private static List<Path> dockerfiles() throws IOException {
    try (Stream<Path> paths = Files.walk(IMAGES)) {
      return paths
          .filter(
              p -> p.getFileName().toString().matches("(.*\\.)?Dockerfile(\\..*)?|Containerfile"))
          .sorted()
          .toList();
    }
  }
}
