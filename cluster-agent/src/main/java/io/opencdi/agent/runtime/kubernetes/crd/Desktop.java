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
 * One user's desktop in a member cluster: what should run ({@link DesktopResourceSpec}) and what
 * the agent observed ({@link DesktopResourceStatus}). Its YAML definition is {@code
 * helm/opencdi-agent/crds/desktops.opencdi.io-v1.yml}; a test keeps the two equal.
 */
@Group(Desktop.GROUP)
@Version(Desktop.VERSION)
@Kind("Desktop")
@Plural("desktops")
@Singular("desktop")
@ShortNames("dt")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Desktop extends CustomResource<DesktopResourceSpec, DesktopResourceStatus>
    implements Namespaced {
  public static final String GROUP = "opencdi.io";
  public static final String VERSION = "v1alpha1";
}
