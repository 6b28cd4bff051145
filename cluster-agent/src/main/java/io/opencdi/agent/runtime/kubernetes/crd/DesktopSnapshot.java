package io.opencdi.agent.runtime.kubernetes.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A point-in-time copy of a desktop's home volume, taken as a CSI {@code VolumeSnapshot}. A Desktop
 * whose {@code spec.home.restoreFrom} names it gets a new home volume restored from it.
 */
@Group(Desktop.GROUP)
@Version(Desktop.VERSION)
@Kind("DesktopSnapshot")
@Plural("desktopsnapshots")
@Singular("desktopsnapshot")
@ShortNames("dtsnap")
@AdditionalPrinterColumn(
    name = "Desktop",
    jsonPath = ".spec.desktopName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class DesktopSnapshot extends CustomResource<DesktopSnapshotSpec, DesktopSnapshotStatus>
    implements Namespaced {}
