package io.opencdi.placement.model;

/**
 * What an owner may still use at the time of the request. The gateway computes it from its
 * database; the engine only checks it and, in bulk placement, counts down what earlier desktops of
 * the same bulk consumed.
 */
public record QuotaAllowance(long desktopsLeft, long cpuMillisLeft, long memoryMiBLeft) {

  /** The allowance after one more desktop of the given size. */
  public QuotaAllowance minus(long desktops, long cpuMillis, long memoryMiB) {
    return new QuotaAllowance(
        desktopsLeft - desktops, cpuMillisLeft - cpuMillis, memoryMiBLeft - memoryMiB);
  }
}
