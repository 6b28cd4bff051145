package io.opencdi.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.agent.runtime.StartAdmission.NodeSize;
import io.opencdi.agent.runtime.StartAdmission.Offer;
import io.opencdi.agent.runtime.StartAdmission.OwnChecks;
import io.opencdi.agent.runtime.StartAdmission.Sizes;
import io.opencdi.protocol.DesktopSpec;
import io.opencdi.protocol.Power;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shared order of a start's checks and their words, on a cluster of two nodes. */
class StartAdmissionTest {
  /** One cluster "lab": node n1 of 4000m and 8192 MiB, node n2 whose size is not known. */
  private static final Offer LAB =
      new Offer() {
        private final Map<String, Optional<NodeSize>> nodes =
            Map.of("n1", Optional.of(new NodeSize(4000, 8192)), "n2", Optional.empty());

        @Override
        public String name() {
          return "lab";
        }

        @Override
        public boolean hasNode(String node) {
          return nodes.containsKey(node);
        }

        @Override
        public Optional<NodeSize> allocatable(String node) {
          return nodes.get(node);
        }

        @Override
        public List<String> runtimeClasses() {
          return List.of("runc", "gvisor");
        }

        @Override
        public List<String> storageClasses() {
          return List.of("standard");
        }
      };

  /** Serves "lab"; ids with upper-case letters cannot be taken. */
  private static StartAdmission.Clusters served(Offer offer) {
    return new StartAdmission.Clusters() {
      @Override
      public Optional<String> invalidId(String desktopId) {
        return desktopId.equals(desktopId.toLowerCase())
            ? Optional.empty()
            : Optional.of("desktop id " + desktopId + " must be lower-case");
      }

      @Override
      public Optional<Offer> cluster(String name) {
        return name.equals("lab") ? Optional.of(offer) : Optional.empty();
      }

      @Override
      public String unknownCluster(String name) {
        return "unknown cluster " + name + "; this agent serves lab";
      }
    };
  }

  private static final StartAdmission ADMISSION =
      new StartAdmission(served(LAB), Sizes.NOT_NEGATIVE, OwnChecks.NONE);

  private static DesktopSpec spec(
      String id,
      String cluster,
      String node,
      String runtimeClass,
      String storageClass,
      long cpuMillis,
      long memoryMiB) {
    return new DesktopSpec(
        id,
        "figures",
        "alice",
        cluster,
        node,
        "desktop:1",
        cpuMillis,
        memoryMiB,
        runtimeClass,
        storageClass,
        10,
        Power.ON,
        null);
  }

  private static DesktopSpec spec(String node, String runtimeClass, String storageClass) {
    return spec("d1", "lab", node, runtimeClass, storageClass, 1000, 2048);
  }

  private static String refusal(StartAdmission admission, DesktopSpec spec) {
    Admission a = admission.admitStart(spec);
    assertThat(a.accepted()).as("refused").isFalse();
    return a.reason();
  }

  @Test
  void aStartItsClusterCanRunIsAccepted() {
    assertThat(ADMISSION.admitStart(spec("n1", "gvisor", "standard")).accepted()).isTrue();
    // No class needs no check; the whole node is not too large.
    assertThat(ADMISSION.admitStart(spec("d1", "lab", "n1", null, null, 4000, 8192)).accepted())
        .isTrue();
  }

  @Test
  void aMissingIdIsRefused() {
    assertThat(refusal(ADMISSION, null)).isEqualTo("desktop id is missing");
    assertThat(refusal(ADMISSION, spec(" ", "lab", "n1", null, null, 1, 1)))
        .isEqualTo("desktop id is missing");
    assertThat(ADMISSION.admitDesktop(null).reason()).isEqualTo("desktop id is missing");
    assertThat(ADMISSION.admitDesktop("lab", null).reason()).isEqualTo("desktop id is missing");
  }

  @Test
  void anIdTheRuntimeCannotTakeIsRefusedInItsWords() {
    assertThat(refusal(ADMISSION, spec("D1", "elsewhere", null, null, null, -1, -1)))
        .isEqualTo("desktop id D1 must be lower-case");
  }

  @Test
  void anUnknownClusterIsRefusedInTheRuntimesWords() {
    assertThat(refusal(ADMISSION, spec("d1", "elsewhere", null, null, null, 1, 1)))
        .isEqualTo("unknown cluster elsewhere; this agent serves lab");
    assertThat(refusal(ADMISSION, spec("d1", null, "n1", null, null, 1, 1)))
        .isEqualTo("unknown cluster null; this agent serves lab");
    assertThat(ADMISSION.admitDesktop("elsewhere", "d1").reason())
        .isEqualTo("unknown cluster elsewhere; this agent serves lab");
    assertThat(ADMISSION.admitDesktop("lab", "d1").accepted()).isTrue();
  }

  @Test
  void aStartThatNamesNoNodeIsRefused() {
    assertThat(refusal(ADMISSION, spec(" ", "kata", "fast")))
        .isEqualTo(Refusals.namesNoNode("d1"))
        .isEqualTo("desktop d1 names no node; the gateway must place it on a node");
  }

  @Test
  void anUnknownNodeIsRefused() {
    assertThat(refusal(ADMISSION, spec("n9", "kata", "fast")))
        .isEqualTo("cluster lab has no node n9");
  }

  @Test
  void aRuntimeClassTheClusterLacksIsRefused() {
    assertThat(refusal(ADMISSION, spec("n1", "kata", "fast")))
        .isEqualTo("cluster lab has no runtime class kata (it has runc, gvisor)");
  }

  @Test
  void aStorageClassTheClusterLacksIsRefused() {
    assertThat(refusal(ADMISSION, spec("d1", "lab", "n1", "runc", "fast", -1, -1)))
        .isEqualTo("cluster lab has no storage class fast (it has standard)");
  }

  @Test
  void aNegativeSizeIsRefused() {
    assertThat(refusal(ADMISSION, spec("d1", "lab", "n1", null, null, -1, 99_999)))
        .isEqualTo("desktop d1 asks for negative CPU or memory");
    assertThat(refusal(ADMISSION, spec("d1", "lab", "n1", null, null, 1, -1)))
        .isEqualTo("desktop d1 asks for negative CPU or memory");
    assertThat(ADMISSION.admitStart(spec("d1", "lab", "n1", null, null, 0, 0)).accepted()).isTrue();
  }

  @Test
  void aRuntimeThatNeedsSomeSizeRefusesZeroInItsWords() {
    StartAdmission some = new StartAdmission(served(LAB), Sizes.SOME, OwnChecks.NONE);
    assertThat(refusal(some, spec("d1", "lab", "n1", null, null, 0, 99_999)))
        .isEqualTo("desktop d1 must ask for some CPU and memory");
    assertThat(refusal(some, spec("d1", "lab", "n1", null, null, 1, 0)))
        .isEqualTo("desktop d1 must ask for some CPU and memory");
    assertThat(some.admitStart(spec("d1", "lab", "n1", null, null, 1, 1)).accepted()).isTrue();
  }

  @Test
  void aDesktopLargerThanItsNodeIsRefused() {
    assertThat(refusal(ADMISSION, spec("d1", "lab", "n1", null, null, 4001, 1)))
        .isEqualTo(
            "desktop d1 would not fit on node n1 even when it is empty: it needs 4001m CPU and"
                + " 1 MiB, the node has 4000m and 8192 MiB");
    assertThat(refusal(ADMISSION, spec("d1", "lab", "n1", null, null, 1, 8193)))
        .isEqualTo(Refusals.neverFits("d1", "n1", 1, 8193, 4000, 8192));
  }

  @Test
  void aNodeOfUnknownSizeTakesAnySize() {
    assertThat(
            ADMISSION.admitStart(spec("d1", "lab", "n2", null, null, 64_000, 1 << 20)).accepted())
        .isTrue();
  }

  @Test
  void theRuntimesDefaultsAreWhatIsChecked() {
    Offer defaults =
        new Offer() {
          @Override
          public String name() {
            return LAB.name();
          }

          @Override
          public boolean hasNode(String node) {
            return LAB.hasNode(node);
          }

          @Override
          public Optional<NodeSize> allocatable(String node) {
            return LAB.allocatable(node);
          }

          @Override
          public List<String> runtimeClasses() {
            return List.of("gvisor");
          }

          @Override
          public List<String> storageClasses() {
            return List.of("standard");
          }

          @Override
          public String runtimeClass(String asked) {
            return asked == null ? "runc" : asked;
          }

          @Override
          public String storageClass(String asked) {
            return asked == null ? "fast" : asked;
          }
        };
    StartAdmission admission =
        new StartAdmission(served(defaults), Sizes.NOT_NEGATIVE, OwnChecks.NONE);
    assertThat(refusal(admission, spec("n1", null, "standard")))
        .isEqualTo("cluster lab has no runtime class runc (it has gvisor)");
    assertThat(refusal(admission, spec("n1", "gvisor", null)))
        .isEqualTo("cluster lab has no storage class fast (it has standard)");
    assertThat(admission.admitStart(spec("n1", "gvisor", "standard")).accepted()).isTrue();
  }

  @Test
  void theRuntimesOwnChecksRunOnceTheNodeIsKnownAndBeforeTheClasses() {
    List<String> seen = new ArrayList<>();
    OwnChecks own =
        (spec, runtimeClass) -> {
          seen.add(spec.id() + " on " + runtimeClass);
          return spec.image() == null
              ? Optional.of("desktop " + spec.id() + " names no image")
              : Optional.empty();
        };
    StartAdmission admission = new StartAdmission(served(LAB), Sizes.NOT_NEGATIVE, own);

    // Not reached before the node is known.
    assertThat(refusal(admission, spec("n9", "kata", "fast"))).contains("has no node n9");
    assertThat(seen).isEmpty();

    // Its refusal comes before an unknown class and a bad size.
    DesktopSpec noImage =
        new DesktopSpec(
            "d1", "figures", "alice", "lab", "n1", null, -1, -1, "kata", "fast", 10, Power.ON,
            null);
    assertThat(refusal(admission, noImage)).isEqualTo("desktop d1 names no image");
    assertThat(seen).containsExactly("d1 on kata");

    // Passed, the shared checks go on.
    assertThat(refusal(admission, spec("n1", "kata", "fast"))).contains("no runtime class kata");
    assertThat(admission.admitStart(spec("n1", "runc", "standard")).accepted()).isTrue();
    assertThat(seen).containsExactly("d1 on kata", "d1 on kata", "d1 on runc");
  }
}
