/**
 * The plugin contract of the placement pipeline (snapshot, filter, score, select, reserve), in the
 * shape of the Karmada and kube-scheduler frameworks, and the explainable {@link
 * io.opencdi.placement.framework.Decision} it produces.
 *
 * <p>Plugins must be stateless and may look only at the request, the cluster they are given and the
 * snapshot's clock: the scheduler relies on that to evaluate clusters independently.
 */
package io.opencdi.placement.framework;
