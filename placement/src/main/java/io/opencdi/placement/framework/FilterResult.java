package io.opencdi.placement.framework;

import java.util.Objects;

/**
 * The outcome of one filter on one cluster. {@code ERROR} means the plugin could not decide (for
 * example inconsistent cluster data); the cluster is then not feasible either.
 *
 * @param reason empty on success, otherwise a human-readable sentence fragment
 */
public record FilterResult(Status status, String reason) {

  private static final FilterResult SUCCESS = new FilterResult(Status.SUCCESS, "");

  public enum Status {
    SUCCESS,
    UNSCHEDULABLE,
    ERROR
  }

  public FilterResult {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
  }

  public static FilterResult success() {
    return SUCCESS;
  }

  public static FilterResult unschedulable(String reason) {
    return new FilterResult(Status.UNSCHEDULABLE, reason);
  }

  public static FilterResult error(String reason) {
    return new FilterResult(Status.ERROR, reason);
  }

  public boolean isSuccess() {
    return status == Status.SUCCESS;
  }
}
