package io.opencdi.gateway.connect.api;

import java.time.OffsetDateTime;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Type;

/** A short-lived, single-use permission to open a desktop's display. */
@Type("ConnectionTicket")
@Description(
    "A single-use permission to open a desktop's display, bound to the caller and the desktop.")
public record ConnectionTicket(
    @NonNull
        @Description(
            "WebSocket URL of the display (RFB in binary frames) carrying the ticket; open it before"
                + " expiresAt. It works once.")
        String url,
    @NonNull @Description("When the ticket stops being accepted (at most 60 s after issue).")
        OffsetDateTime expiresAt,
    @NonNull @Id @Description("The desktop the ticket opens.") String desktopId,
    @Description(
            "The template's idle limit: the display is closed (code 4002) after this many minutes"
                + " without keyboard or mouse input. Null: no limit.")
        Integer idleTimeoutMinutes,
    @Description(
            "When the template's maxSessionMinutes closes the display opened with this ticket (code"
                + " 4003). Null: no limit.")
        OffsetDateTime sessionEndsAt,
    @Description(
            "WebSocket URL of the desktop's sound carrying its own single-use ticket: Opus packets"
                + " (48 kHz, stereo, 20 ms), one per binary message; with `microphone`, the viewer"
                + " sends its microphone the same way (mono). Null when the template has no audio."
                + " Open it before expiresAt.")
        String audioUrl,
    @NonNull
        @Description(
            "Whether the audio WebSocket takes the viewer's microphone (the template's microphone"
                + " policy); sending on it otherwise closes it with 4423.")
        boolean microphone) {}
