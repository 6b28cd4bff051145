package io.opencdi.gateway.template.api;

import io.opencdi.gateway.template.ClipboardPolicy;
import io.opencdi.gateway.template.FileTransferPolicy;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Input;
import org.eclipse.microprofile.graphql.NonNull;

/** A template as a whole; a policy left out takes its default (see docs/api.md). */
@Input("TemplateInput")
public record TemplateInput(
    @NonNull String name,
    String description,
    @NonNull String image,
    long cpuMillis,
    long memoryMiB,
    String runtimeClass,
    String storageClass,
    Integer homeVolumeGiB,
    String arch,
    ClipboardPolicy clipboard,
    Integer clipboardMaxBytes,
    String watermark,
    FileTransferPolicy fileTransfer,
    Integer fileTransferMaxMiB,
    Boolean printing,
    Boolean audio,
    Boolean microphone,
    Integer idleTimeoutMinutes,
    Integer autoPowerOffMinutes,
    Integer maxSessionMinutes,
    @Description("Application layers (ids) its desktops start with, lowest first; none if null.")
        @Id
        List<String> apps) {}
