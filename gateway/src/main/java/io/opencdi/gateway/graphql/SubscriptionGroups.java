package io.opencdi.gateway.graphql;

import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import io.opencdi.gateway.auth.Caller;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** The subscription groups of this replica, by {@link SubscriptionGroup.Key}. */
final class SubscriptionGroups {
  /** A member's group, and whether the member started it (and so must start its execution). */
  record Joined(SubscriptionGroup group, boolean created) {}

  private final ConcurrentHashMap<SubscriptionGroup.Key, SubscriptionGroup> groups =
      new ConcurrentHashMap<>();
  private final SocketMeters meters;
  private final Executor fanOut;
  private final WriteBacklog backlog;

  /**
   * @param fanOut the thread that hands each event to a group's members: not an event loop, so that
   *     every member's write is queued to its connection's loop and no request on a loop waits for
   *     a whole hand-out
   * @param backlog the writes queued to the loops, which a hand-out waits for when there are many
   */
  SubscriptionGroups(SocketMeters meters, Executor fanOut, WriteBacklog backlog) {
    this.meters = meters;
    this.fanOut = fanOut;
    this.backlog = backlog;
    meters.groups(
        groups::size, () -> groups.values().stream().mapToInt(SubscriptionGroup::size).sum());
  }

  /** The group's key: admins share one visibility, each user has their own. */
  static SubscriptionGroup.Key key(
      String query, String operationName, String variables, Caller caller) {
    return new SubscriptionGroup.Key(
        query, operationName, variables, caller.admin() ? "admin" : "user:" + caller.userId());
  }

  /** Puts {@code member} into the live group of {@code key}, or a new one. */
  Joined join(SubscriptionGroup.Key key, SubscriptionGroup.Member member) {
    while (true) {
      boolean[] created = {false};
      SubscriptionGroup group =
          groups.computeIfAbsent(
              key,
              k -> {
                created[0] = true;
                return new SubscriptionGroup(k, this, meters, fanOut, backlog);
              });
      if (group.join(member)) {
        return new Joined(group, created[0]);
      }
      groups.remove(key, group); // it ended between lookup and join
    }
  }

  void remove(SubscriptionGroup group) {
    groups.remove(group.key(), group);
  }

  int size() {
    return groups.size();
  }

  /**
   * Whether the operation the client selected is a subscription; documents that do not parse are
   * not (SmallRye GraphQL reports their errors when it runs them alone).
   */
  static boolean isSubscription(String query, String operationName) {
    if (query == null) {
      return false;
    }
    Document document;
    try {
      document = Parser.parse(query);
    } catch (InvalidSyntaxException e) {
      return false;
    }
    List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class);
    for (OperationDefinition operation : operations) {
      if (operationName == null
          ? operations.size() == 1
          : operationName.equals(operation.getName())) {
        return operation.getOperation() == OperationDefinition.Operation.SUBSCRIPTION;
      }
    }
    return false;
  }
}
