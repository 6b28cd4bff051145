package io.opencdi.gateway.template.api;

import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.applayer.api.AppLayer;
import io.opencdi.gateway.template.ClipboardPolicy;
import io.opencdi.gateway.template.FileTransferPolicy;
import io.opencdi.gateway.template.TemplateEntity;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;

/** A desktop template. */
@Description(
    "What a desktop runs: image, resources, isolation and storage, and the policies its sessions"
        + " are held to.")
public record Template(
    @Id @NonNull String id,
    @NonNull String name,
    String description,
    @NonNull String image,
    long cpuMillis,
    long memoryMiB,
    @Description("Isolation runtime class: runc, gvisor or kata.") @NonNull String runtimeClass,
    @NonNull String storageClass,
    int homeVolumeGiB,
    @Description("Required CPU architecture, or null for any.") String arch,
    @Description(
            "Which way the clipboard may cross between viewer and desktop; enforced in the"
                + " display broker.")
        @NonNull
        ClipboardPolicy clipboard,
    @Description("Largest clipboard text, in bytes, that crosses in an allowed direction.")
        int clipboardMaxBytes,
    @Description(
            "Text drawn over the desktop: {user}, {time} and {desktop} are filled in; null"
                + " for none.")
        String watermark,
    @Description("Which way files may move between the portal and the desktop's home.") @NonNull
        FileTransferPolicy fileTransfer,
    @Description("Largest file, in MiB, that may be uploaded or downloaded.")
        int fileTransferMaxMiB,
    @Description("Whether the desktop has a virtual PDF printer.") boolean printing,
    @Description("Whether the desktop's sound reaches the viewer.") boolean audio,
    @Description("Whether the viewer's microphone reaches the desktop (needs audio).")
        boolean microphone,
    @Description(
            "Minutes without keyboard or pointer input after which the viewer is"
                + " disconnected; null for no limit.")
        Integer idleTimeoutMinutes,
    @Description(
            "Minutes without any viewer after which the desktop powers off, keeping its"
                + " home; null for never.")
        Integer autoPowerOffMinutes,
    @Description("Longest a viewer may stay connected, in minutes; null for no limit.")
        Integer maxSessionMinutes,
    @Description("Application layers its desktops start with, lowest first; a launch may add more.")
        @NonNull
        List<@NonNull AppLayer> apps) {

  public static Template from(TemplateEntity t) {
    return new Template(
        t.id.toString(),
        t.name,
        t.description,
        t.image,
        t.cpuMillis,
        t.memoryMiB,
        t.runtimeClass,
        t.storageClass,
        t.homeVolumeGiB,
        t.arch,
        t.clipboard,
        t.clipboardMaxBytes,
        t.watermark,
        t.fileTransfer,
        t.fileTransferMaxMiB,
        t.printing,
        t.audio,
        t.microphone,
        t.idleTimeoutMinutes,
        t.autoPowerOffMinutes,
        t.maxSessionMinutes,
        LayerStack.fromJson(t.appLayers).stream().map(AppLayer::from).toList());
  }
}
