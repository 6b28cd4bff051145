package io.opencdi.gateway.files;

import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileNames;
import io.opencdi.protocol.FileOpen;
import java.util.Optional;
import java.util.UUID;

/**
 * Who may move which file, and what a failure is called on the HTTP side (ADR 0042). Pure: the
 * routes look up the facts, these rules decide.
 */
public final class FileRules {
  private FileRules() {}

  /** A refusal: the HTTP status, the code of the documented set (as in GraphQL) and a message. */
  public record Refusal(int status, String code, String message) {}

  /** What the rules need to know about the desktop, as the database has it now. */
  public record Facts(
      UUID ownerId,
      DesktopState state,
      boolean templateKnown,
      boolean uploads,
      boolean downloads,
      boolean printing,
      long maxBytes) {}

  /** The largest file a template limit of {@code mib} lets through. */
  public static long maxBytes(int mib) {
    return mib * 1024L * 1024L;
  }

  /**
   * Whether {@code op} on {@code name} (null for a listing) in {@code folder} of a desktop
   * described by {@code facts} (null: no such desktop) is refused for the caller, and why. {@code
   * declaredBytes} is an upload's {@code Content-Length} (-1: not sent). The prints of the
   * desktop's virtual printer are listed and downloaded when the template has printing on, whatever
   * its file transfer policy, and never uploaded to (ADR 0043).
   */
  public static Optional<Refusal> check(
      UUID callerId,
      boolean admin,
      Facts facts,
      FileOpen.Folder folder,
      FileOpen.Op op,
      String name,
      long declaredBytes) {
    // Another user's desktop looks like none, so ids cannot be probed.
    if (facts == null || !admin && !facts.ownerId().equals(callerId)) {
      return Optional.of(new Refusal(404, "NOT_FOUND", "no such desktop"));
    }
    if (op != FileOpen.Op.LIST && !FileNames.valid(name)) {
      return Optional.of(
          new Refusal(
              400,
              "VALIDATION",
              "a file name is one name at the top of the home: no '/', no control characters,"
                  + " not starting with '.', no leading or trailing space, at most 255 bytes"));
    }
    if (folder == FileOpen.Folder.PRINTS) {
      if (op == FileOpen.Op.UPLOAD) {
        return Optional.of(new Refusal(400, "VALIDATION", "prints are made by the desktop only"));
      }
      if (!facts.templateKnown() || !facts.printing()) {
        return Optional.of(new Refusal(403, "FORBIDDEN", "the desktop's template has no printing"));
      }
    }
    boolean allowed =
        folder == FileOpen.Folder.PRINTS
            || facts.templateKnown()
                && switch (op) {
                  case LIST -> facts.uploads() || facts.downloads();
                  case UPLOAD -> facts.uploads();
                  case DOWNLOAD -> facts.downloads();
                };
    if (!allowed) {
      return Optional.of(
          new Refusal(
              403,
              "FORBIDDEN",
              switch (op) {
                case LIST -> "the desktop's template allows no file transfer";
                case UPLOAD -> "the desktop's template does not allow uploads";
                case DOWNLOAD -> "the desktop's template does not allow downloads";
              }));
    }
    if (facts.state() != DesktopState.RUNNING) {
      return Optional.of(
          new Refusal(
              409,
              "INVALID_STATE",
              "files move only while the desktop is RUNNING; it is " + facts.state()));
    }
    if (op == FileOpen.Op.UPLOAD && declaredBytes > facts.maxBytes()) {
      return Optional.of(tooLarge(facts.maxBytes()));
    }
    return Optional.empty();
  }

  /** The refusal of a file over the template's limit. */
  public static Refusal tooLarge(long maxBytes) {
    return new Refusal(
        413,
        "TOO_LARGE",
        "the file is larger than the template's limit of " + maxBytes / (1024 * 1024) + " MiB");
  }

  /**
   * The refusal for an agent that ended a file tunnel with {@code code} and {@code reason}; the
   * reason reaches the user only when it is short plain text.
   */
  public static Refusal ofClose(int code, String reason) {
    String said =
        reason != null
                && !reason.isBlank()
                && reason.length() <= 120
                && reason.chars().noneMatch(Character::isISOControl)
            ? reason
            : null;
    return switch (code) {
      case FileCloseCodes.INVALID_NAME ->
          new Refusal(400, "VALIDATION", or(said, "the agent refused the file name"));
      case FileCloseCodes.NOT_FOUND ->
          new Refusal(404, "NOT_FOUND", or(said, "no such file at the top of the desktop's home"));
      case FileCloseCodes.EXISTS ->
          new Refusal(
              409,
              "CONFLICT",
              or(said, "a file of that name is in the home; uploads never replace one"));
      case FileCloseCodes.TOO_LARGE ->
          new Refusal(413, "TOO_LARGE", or(said, "the file is larger than the template allows"));
      case FileCloseCodes.FAILED ->
          new Refusal(503, "UNAVAILABLE", or(said, "the desktop's home could not be used"));
      default ->
          new Refusal(503, "UNAVAILABLE", "the agent ended the transfer (code " + code + ")");
    };
  }

  private static String or(String said, String otherwise) {
    return said != null ? said : otherwise;
  }
}
