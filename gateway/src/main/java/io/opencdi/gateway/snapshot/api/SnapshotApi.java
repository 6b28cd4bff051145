package io.opencdi.gateway.snapshot.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.common.Ids;
import io.opencdi.gateway.desktop.DesktopQueries;
import io.opencdi.gateway.desktop.DesktopService;
import io.opencdi.gateway.desktop.api.Desktop;
import io.opencdi.gateway.quota.CreateRate;
import io.opencdi.gateway.snapshot.SnapshotService;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;
import org.eclipse.microprofile.graphql.Source;

/** Snapshots of desktops' home volumes, and restoring desktops from them. */
@GraphQLApi
public class SnapshotApi {
  private final CallerResolver callers;
  private final SnapshotService snapshots;
  private final DesktopService desktops;
  private final DesktopQueries desktopQueries;
  private final Admission admission;
  private final CreateRate rate;

  public SnapshotApi(
      CallerResolver callers,
      SnapshotService snapshots,
      DesktopService desktops,
      DesktopQueries desktopQueries,
      Admission admission,
      CreateRate rate) {
    this.rate = rate;
    this.callers = callers;
    this.snapshots = snapshots;
    this.desktops = desktops;
    this.desktopQueries = desktopQueries;
    this.admission = admission;
  }

  @Query("snapshots")
  @Description("The caller's snapshots (every snapshot for an admin), newest first.")
  public Uni<@NonNull List<@NonNull DesktopSnapshot>> snapshotList() {
    return admission.admitRead(() -> callers.caller().flatMap(snapshots::list));
  }

  @Query
  @Description("One snapshot.")
  public Uni<DesktopSnapshot> snapshot(@Id @NonNull String id) {
    return callers.caller().flatMap(c -> snapshots.one(c, Ids.parse(id, "snapshot")));
  }

  @Mutation
  @Description(
      "Takes a snapshot of a desktop's home volume, running or powered off. It starts PENDING and"
          + " becomes READY once its cluster has the copy. Null with an error when refused; other"
          + " fields of the same request keep their answers.")
  public Uni<DesktopSnapshot> snapshotDesktop(@Id @NonNull String id, @NonNull String name) {
    return callers
        .caller()
        .map(rate::take)
        .flatMap(c -> admission.admit(() -> snapshots.snapshot(c, Ids.parse(id, "desktop"), name)));
  }

  @Mutation
  @Description(
      "Creates a new desktop whose home volume is a copy of a READY snapshot, and powers it on. It"
          + " runs in the snapshot's cluster; the name defaults to the snapshot's. Null with an"
          + " error when refused; other fields of the same request keep their answers.")
  public Uni<Desktop> restoreDesktop(@Id @NonNull String snapshotId, String name) {
    return callers
        .caller()
        .map(rate::take)
        .flatMap(
            c ->
                admission.admit(
                    () -> desktops.restore(c, Ids.parse(snapshotId, "snapshot"), name)));
  }

  @Mutation
  @Description(
      "Deletes a snapshot; it is DELETING until its cluster confirms, then gone. Desktops are not"
          + " touched.")
  public Uni<@NonNull DesktopSnapshot> deleteSnapshot(@Id @NonNull String id) {
    return callers
        .caller()
        .flatMap(c -> admission.admit(() -> snapshots.delete(c, Ids.parse(id, "snapshot"))));
  }

  @Description(
      "The desktop whose home volume was copied, also when it has since been DELETED (a snapshot"
          + " outlives its desktop).")
  public Uni<List<Desktop>> desktop(@Source List<DesktopSnapshot> sources) {
    List<UUID> ids = sources.stream().map(s -> UUID.fromString(s.desktopId())).distinct().toList();
    return callers
        .caller()
        .flatMap(c -> desktopQueries.visible(c, ids))
        .map(m -> sources.stream().map(s -> m.get(UUID.fromString(s.desktopId()))).toList());
  }

  @Description("Snapshots of the desktop's home volume, newest first.")
  public Uni<@NonNull List<@NonNull List<@NonNull DesktopSnapshot>>> snapshots(
      @Source List<Desktop> desktops) {
    List<UUID> ids = desktops.stream().map(d -> UUID.fromString(d.id())).toList();
    return this.snapshots.ofDesktops(ids);
  }
}
