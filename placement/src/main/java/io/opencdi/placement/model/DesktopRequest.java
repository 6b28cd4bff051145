package io.opencdi.placement.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One desktop to place. Every optional constraint or preference left empty means "any": no
 * architecture, runtime class or storage class required, no locality preference, no quota limit.
 * Use {@link #builder(String, long, long)} to keep call sites readable. {@code layers} are the
 * images of the desktop's application layers, composed over {@code image}; empty for none.
 */
public record DesktopRequest(
    String owner,
    long cpuMillis,
    long memoryMiB,
    Optional<String> arch,
    Optional<String> runtimeClass,
    Optional<String> storageClass,
    Optional<String> image,
    Optional<String> region,
    Optional<String> zone,
    Optional<String> homeClusterId,
    Optional<QuotaAllowance> quota,
    List<String> layers) {

  public DesktopRequest {
    Objects.requireNonNull(owner, "owner");
    if (cpuMillis <= 0 || memoryMiB <= 0) {
      throw new IllegalArgumentException(
          "a desktop needs positive CPU and memory, got "
              + cpuMillis
              + "m / "
              + memoryMiB
              + " MiB");
    }
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(runtimeClass, "runtimeClass");
    Objects.requireNonNull(storageClass, "storageClass");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(homeClusterId, "homeClusterId");
    Objects.requireNonNull(quota, "quota");
    layers = List.copyOf(layers);
  }

  public static Builder builder(String owner, long cpuMillis, long memoryMiB) {
    return new Builder(owner, cpuMillis, memoryMiB);
  }

  /** The same request with another allowance; bulk placement uses it to count quota down. */
  public DesktopRequest withQuota(QuotaAllowance allowance) {
    return new DesktopRequest(
        owner,
        cpuMillis,
        memoryMiB,
        arch,
        runtimeClass,
        storageClass,
        image,
        region,
        zone,
        homeClusterId,
        Optional.of(allowance),
        layers);
  }

  /** Collects the optional fields; unset ones stay empty. */
  public static final class Builder {
    private final String owner;
    private final long cpuMillis;
    private final long memoryMiB;
    private Optional<String> arch = Optional.empty();
    private Optional<String> runtimeClass = Optional.empty();
    private Optional<String> storageClass = Optional.empty();
    private Optional<String> image = Optional.empty();
    private Optional<String> region = Optional.empty();
    private Optional<String> zone = Optional.empty();
    private Optional<String> homeClusterId = Optional.empty();
    private Optional<QuotaAllowance> quota = Optional.empty();
    private List<String> layers = List.of();

    private Builder(String owner, long cpuMillis, long memoryMiB) {
      this.owner = owner;
      this.cpuMillis = cpuMillis;
      this.memoryMiB = memoryMiB;
    }

    public Builder arch(String value) {
      arch = Optional.of(value);
      return this;
    }

    public Builder runtimeClass(String value) {
      runtimeClass = Optional.of(value);
      return this;
    }

    public Builder storageClass(String value) {
      storageClass = Optional.of(value);
      return this;
    }

    public Builder image(String value) {
      image = Optional.of(value);
      return this;
    }

    public Builder region(String value) {
      region = Optional.of(value);
      return this;
    }

    public Builder zone(String value) {
      zone = Optional.of(value);
      return this;
    }

    public Builder homeClusterId(String value) {
      homeClusterId = Optional.of(value);
      return this;
    }

    public Builder quota(QuotaAllowance value) {
      quota = Optional.of(value);
      return this;
    }

    public Builder layers(List<String> images) {
      layers = images;
      return this;
    }

    public DesktopRequest build() {
      return new DesktopRequest(
          owner,
          cpuMillis,
          memoryMiB,
          arch,
          runtimeClass,
          storageClass,
          image,
          region,
          zone,
          homeClusterId,
          quota,
          layers);
    }
  }
}
