package io.opencdi.gateway.template.api;

import io.opencdi.gateway.applayer.LayerStack;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.template.ClipboardPolicy;
import io.opencdi.gateway.template.FileTransferPolicy;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.gateway.template.TemplateQueries;
import io.opencdi.gateway.template.TemplateService;
import io.smallrye.mutiny.Uni;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;

/** Desktop templates: everyone reads them, admins create and change them. */
@GraphQLApi
public class TemplateApi {
  private static final Set<String> RUNTIME_CLASSES = Set.of("runc", "gvisor", "kata");
  private static final Set<String> ARCHES = Set.of("amd64", "arm64");
  private static final Pattern STORAGE_CLASS =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** Printable text without control characters, so it cannot break the desktop's drawing. */
  private static final Pattern WATERMARK = Pattern.compile("[\\p{L}\\p{N}\\p{P}\\p{S} ]{1,120}");

  private final CallerResolver callers;
  private final TemplateQueries queries;
  private final TemplateService service;

  public TemplateApi(CallerResolver callers, TemplateQueries queries, TemplateService service) {
    this.callers = callers;
    this.queries = queries;
    this.service = service;
  }

  @Query
  @Description("Desktop templates.")
  public Uni<@NonNull List<@NonNull Template>> templates() {
    return callers.caller().flatMap(c -> queries.all());
  }

  @Mutation
  @Description("Creates a desktop template (admin only).")
  public Uni<@NonNull Template> createTemplate(@NonNull TemplateInput input) {
    return callers
        .caller()
        .map(c -> c.requireAdmin())
        .map(c -> toEntity(input))
        .flatMap(t -> service.create(t, apps(input)));
  }

  @Mutation
  @Description(
      "Changes a desktop template (admin only). Desktops made from it keep what they were made"
          + " with; desktops created afterwards get the change.")
  public Uni<@NonNull Template> updateTemplate(
      @Id @NonNull String id, @NonNull TemplateInput input) {
    return callers
        .caller()
        .map(c -> c.requireAdmin())
        .map(
            c -> {
              UUID templateId = Ids.parse(id, "template");
              TemplateEntity wanted = toEntity(input);
              wanted.id = templateId;
              return wanted;
            })
        .flatMap(wanted -> service.update(wanted, apps(input)));
  }

  /** The application layers {@code in} names, lowest first. */
  private static List<UUID> apps(TemplateInput in) {
    return in.apps() == null
        ? List.of()
        : in.apps().stream().map(a -> Ids.parse(a, "app layer")).toList();
  }

  static TemplateEntity toEntity(TemplateInput in) {
    if (!LayerStack.NAME.matcher(in.name()).matches()) {
      throw new ValidationException(
          "name must be a DNS label: lower-case letters, digits and '-', at most 63");
    }
    if (!LayerStack.IMAGE.matcher(in.image()).matches()) {
      throw new ValidationException("image must be an image reference such as repo/name:tag");
    }
    if (in.cpuMillis() < 100 || in.cpuMillis() > 128_000) {
      throw new ValidationException("cpuMillis must be between 100 and 128000");
    }
    if (in.memoryMiB() < 128 || in.memoryMiB() > 1_048_576) {
      throw new ValidationException("memoryMiB must be between 128 and 1048576");
    }
    String runtime = in.runtimeClass() == null ? "runc" : in.runtimeClass();
    if (!RUNTIME_CLASSES.contains(runtime)) {
      throw new ValidationException("runtimeClass must be one of " + RUNTIME_CLASSES);
    }
    if (in.arch() != null && !ARCHES.contains(in.arch())) {
      throw new ValidationException("arch must be one of " + ARCHES);
    }
    if (in.storageClass() != null && !STORAGE_CLASS.matcher(in.storageClass()).matches()) {
      throw new ValidationException(
          "storageClass must be a Kubernetes object name: lower-case letters, digits, '-' and"
              + " '.', at most 253");
    }
    int volume = in.homeVolumeGiB() == null ? 10 : in.homeVolumeGiB();
    if (volume < 1 || volume > 10_000) {
      throw new ValidationException("homeVolumeGiB must be between 1 and 10000");
    }
    TemplateEntity t = new TemplateEntity();
    t.id = UUID.randomUUID();
    t.name = in.name();
    t.description = in.description();
    t.image = in.image();
    t.cpuMillis = in.cpuMillis();
    t.memoryMiB = in.memoryMiB();
    t.runtimeClass = runtime;
    t.storageClass = in.storageClass() == null ? "longhorn" : in.storageClass();
    t.homeVolumeGiB = volume;
    t.arch = in.arch();
    t.createdAt = OffsetDateTime.now();
    policies(in, t);
    return t;
  }

  private static void policies(TemplateInput in, TemplateEntity t) {
    t.clipboard = in.clipboard() == null ? ClipboardPolicy.BOTH : in.clipboard();
    t.clipboardMaxBytes =
        within(in.clipboardMaxBytes(), 1_048_576, 1, 16_777_216, "clipboardMaxBytes");
    if (in.watermark() != null && !WATERMARK.matcher(in.watermark()).matches()) {
      throw new ValidationException(
          "watermark must be 1 to 120 printable characters on one line, or null for none");
    }
    t.watermark = in.watermark();
    t.fileTransfer = in.fileTransfer() == null ? FileTransferPolicy.BOTH : in.fileTransfer();
    t.fileTransferMaxMiB = within(in.fileTransferMaxMiB(), 100, 1, 10_240, "fileTransferMaxMiB");
    t.printing = Boolean.TRUE.equals(in.printing());
    t.audio = Boolean.TRUE.equals(in.audio());
    t.microphone = Boolean.TRUE.equals(in.microphone());
    if (t.microphone && !t.audio) {
      throw new ValidationException("microphone needs audio");
    }
    t.idleTimeoutMinutes = optional(in.idleTimeoutMinutes(), 1440, "idleTimeoutMinutes");
    t.autoPowerOffMinutes = optional(in.autoPowerOffMinutes(), 10_080, "autoPowerOffMinutes");
    t.maxSessionMinutes = optional(in.maxSessionMinutes(), 10_080, "maxSessionMinutes");
  }

  private static int within(Integer value, int absent, int min, int max, String field) {
    int v = value == null ? absent : value;
    if (v < min || v > max) {
      throw new ValidationException(field + " must be between " + min + " and " + max);
    }
    return v;
  }

  private static Integer optional(Integer minutes, int max, String field) {
    if (minutes != null && (minutes < 1 || minutes > max)) {
      throw new ValidationException(field + " must be between 1 and " + max + ", or null for none");
    }
    return minutes;
  }
}
