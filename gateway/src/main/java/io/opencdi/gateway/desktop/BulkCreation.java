package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.SystemUsers;
import io.opencdi.gateway.auth.UserEntity;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.desktop.CreationBatch.Item;
import io.opencdi.gateway.desktop.CreationPipeline.Bulk;
import io.opencdi.gateway.desktop.CreationRepository.RequestKey;
import io.opencdi.gateway.template.TemplateEntity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A bulk creation ({@code createDesktops}, and the warm pools' fills): a batch of its own in the
 * pipeline, one decision pass of the engine and one transaction, all or nothing (ADR 0025). Apart
 * from the single creations because it reads by user name, names its desktops itself and fails as a
 * whole where a single creation refuses only its own caller.
 */
final class BulkCreation {
  private final Pool pool;
  private final CreationRepository repository;
  private final CreationDecisions decisions;
  private final CreationWrites writes;

  BulkCreation(
      Pool pool,
      CreationRepository repository,
      CreationDecisions decisions,
      CreationWrites writes) {
    this.pool = pool;
    this.repository = repository;
    this.decisions = decisions;
    this.writes = writes;
  }

  /** Creates the job's desktops, or none, and answers its caller. */
  Uni<Void> create(Bulk job) {
    CreationBatch b = new CreationBatch();
    return pool.withTransaction(
            tx ->
                repository
                    .templates(tx, Set.of(job.templateId()))
                    .flatMap(
                        found -> {
                          TemplateEntity t = found.get(job.templateId());
                          if (t == null) {
                            throw new NotFoundException("no template with id " + job.templateId());
                          }
                          b.template = t;
                          // Named after the template when no prefix is given: that name must fit.
                          DesktopInputs.bulkNames(namePrefix(job, t), job.owners());
                          return repository.lockOwnersNamed(tx, new TreeSet<>(job.owners()));
                        })
                    .flatMap(
                        users -> {
                          prepareBulk(b, job, users);
                          return repository.existing(tx, b.keys.keySet());
                        })
                    .flatMap(
                        existing -> {
                          b.attachExisting(existing);
                          return repository.usage(
                              tx,
                              b.items.stream()
                                  .map(i -> i.owner.id)
                                  .collect(TreeSet::new, Set::add, Set::addAll));
                        })
                    .invoke(usage -> decisions.decideBulk(b, usage))
                    .flatMap(v -> writes.reserve(tx, b.placed()))
                    .invoke(
                        () ->
                            b.items.stream()
                                .filter(i -> i.refusal != null)
                                .findFirst()
                                .ifPresent(
                                    i -> {
                                      throw i.refusal;
                                    }))
                    .flatMap(v -> writes.write(tx, b)))
        .onItemOrFailure()
        .transformToUni((v, failure) -> writes.finish(b, failure, job.answer()));
  }

  private static String namePrefix(Bulk job, TemplateEntity t) {
    return job.namePrefix() == null ? t.name : job.namePrefix();
  }

  private void prepareBulk(CreationBatch b, Bulk job, Map<String, UserEntity> users) {
    b.users = new HashMap<>();
    TemplateEntity t = b.template;
    for (int i = 0; i < job.owners().size(); i++) {
      String name = job.owners().get(i);
      UserEntity owner = users.get(name);
      // Only the pool keeper creates desktops for the warm pools' owner.
      if (owner == null || SystemUsers.isSystem(owner.id) != (job.poolId() != null)) {
        throw new NotFoundException("no user named '" + name + "'");
      }
      b.users.put(owner.id, owner);
      String requestId = job.requestId() == null ? null : job.requestId() + "#" + i;
      Item item = new Item(null);
      item.owner = owner;
      item.template = t;
      item.arch = t.arch;
      item.desktop =
          CreationBatch.newDesktop(
              owner,
              t,
              namePrefix(job, t) + "-" + (i + 1),
              t.cpuMillis,
              t.memoryMiB,
              job.region(),
              job.zone(),
              requestId);
      item.desktop.poolId = job.poolId();
      b.items.add(item);
      if (requestId != null) {
        b.keys.put(new RequestKey(owner.id, requestId), item);
      }
    }
  }
}
