package io.opencdi.gateway.desktop;

import io.opencdi.gateway.db.Db;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.desktop.api.PrintedFile;
import io.opencdi.gateway.template.TemplateEntity;
import io.opencdi.protocol.FileNames;
import io.opencdi.protocol.PrintJob;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.UUID;

/**
 * Tells a desktop's owner (and admins) of each PDF its virtual printer finished, in a {@code
 * desktopEvents} event, as the desktop's agent announced it (ADR 0043). The agent is trusted with
 * its own desktops only: a job of a desktop on another agent's cluster changes nothing and is
 * handed to the caller's refusal counter. A desktop whose template has printing off announces
 * nothing, as its PDFs never leave; a name that is not a plain PDF name is dropped.
 */
@ApplicationScoped
public class PrintAnnouncements {
  private final Db db;
  private final DesktopEventBus events;

  public PrintAnnouncements(Db db, DesktopEventBus events) {
    this.db = db;
    this.events = events;
  }

  /**
   * Announces {@code job}, reported by an agent owning {@code agentClusters}; runs {@code foreign}
   * when the desktop is on none of them.
   */
  public Uni<Void> reported(PrintJob job, Collection<UUID> agentClusters, Runnable foreign) {
    UUID desktopId;
    try {
      desktopId = UUID.fromString(job.desktopId());
    } catch (IllegalArgumentException | NullPointerException e) {
      return Uni.createFrom().voidItem();
    }
    if (!plainPdfName(job.name()) || job.sizeBytes() < 0) {
      return Uni.createFrom().voidItem();
    }
    return db.session(
            s ->
                s.find(DesktopEntity.class, desktopId)
                    .flatMap(
                        d ->
                            d == null || d.templateId == null
                                ? Uni.createFrom().<Announcement>nullItem()
                                : s.find(TemplateEntity.class, d.templateId)
                                    .map(t -> new Announcement(d, t))))
        .flatMap(
            a -> {
              if (a == null) {
                return Uni.createFrom().voidItem();
              }
              if (a.desktop().clusterId == null || !agentClusters.contains(a.desktop().clusterId)) {
                foreign.run();
                return Uni.createFrom().voidItem();
              }
              if (a.template() == null || !a.template().printing) {
                return Uni.createFrom().voidItem();
              }
              return events.publishPrinted(
                  Desktop.from(a.desktop()),
                  new PrintedFile(
                      job.name(),
                      job.sizeBytes(),
                      OffsetDateTime.ofInstant(
                          Instant.ofEpochMilli(job.printedAtEpochMillis()), ZoneOffset.UTC)));
            });
  }

  /** What the printer names its PDFs, and nothing a portal could mistake for more. */
  static boolean plainPdfName(String name) {
    return FileNames.valid(name) && name.endsWith(".pdf");
  }

  private record Announcement(DesktopEntity desktop, TemplateEntity template) {}
}
