package io.opencdi.gateway.desktop.api;

import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.NonNull;

/**
 * A PDF the desktop's virtual printer finished (ADR 0043), as its agent announced it.
 *
 * @param name its name in the desktop's prints folder, for {@code GET /prints/v1/{desktop}/{name}}
 * @param sizeBytes its size
 * @param printedAt when the agent saw it appear
 */
@Description(
    "A PDF the desktop's virtual printer finished; it downloads from"
        + " `GET /prints/v1/{desktop}/{name}` while the template has printing on.")
public record PrintedFile(
    @NonNull String name, long sizeBytes, @NonNull OffsetDateTime printedAt) {}
