/**
 * Immutable placement inputs: the per-cycle {@link io.opencdi.placement.model.Snapshot} of the
 * fleet, the {@link io.opencdi.placement.model.DesktopRequest} and the resulting {@link
 * io.opencdi.placement.model.Placement}.
 *
 * <p>Records cannot hold derived fields, so the collections inside {@link
 * io.opencdi.placement.model.ClusterState} and {@link io.opencdi.placement.model.Snapshot} are
 * package-private immutable lists that also carry their indexes and aggregates. That keeps look-ups
 * and "does a desktop fit" queries O(1) or O(log n) and a capacity update O(node groups of one
 * cluster), which bulk placement relies on.
 */
package io.opencdi.placement.model;
