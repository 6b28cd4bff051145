package io.opencdi.protocol;

/**
 * One application layer of a desktop: a read-only OCI image composed over the desktop image. Layers
 * are immutable once created, so a name and version always mean the same image.
 *
 * @param name layer name, a DNS label ({@code [a-z0-9]([a-z0-9-]*[a-z0-9])?}, at most 63)
 * @param version layer version ({@code [A-Za-z0-9._-]}, at most 64)
 * @param image OCI image reference that holds the layer's files at its root
 */
public record AppLayer(String name, String version, String image) {}
