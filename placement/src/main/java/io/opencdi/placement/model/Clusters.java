package io.opencdi.placement.model;

import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * The immutable cluster list of a {@link Snapshot} with its index by id. Versions derived with
 * {@link #replace} share the index, so taking capacity costs one array copy of cluster references.
 */
final class Clusters extends AbstractList<ClusterState> implements RandomAccess {

  private final ClusterState[] clusters;
  private final Map<String, Integer> positions;

  private Clusters(ClusterState[] clusters, Map<String, Integer> positions) {
    this.clusters = clusters;
    this.positions = positions;
  }

  static Clusters copyOf(List<ClusterState> source) {
    if (source instanceof Clusters same) {
      return same;
    }
    ClusterState[] clusters = source.toArray(ClusterState[]::new);
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < clusters.length; i++) {
      if (positions.putIfAbsent(clusters[i].id(), i) != null) {
        throw new IllegalArgumentException("duplicate cluster id " + clusters[i].id());
      }
    }
    return new Clusters(clusters, Map.copyOf(positions));
  }

  Optional<ClusterState> byId(String id) {
    Integer position = positions.get(id);
    return position == null ? Optional.empty() : Optional.of(clusters[position]);
  }

  Clusters replace(ClusterState replacement) {
    Integer position = positions.get(replacement.id());
    if (position == null) {
      throw new IllegalArgumentException("no cluster " + replacement.id());
    }
    ClusterState[] next = clusters.clone();
    next[position] = replacement;
    return new Clusters(next, positions);
  }

  @Override
  public ClusterState get(int index) {
    return clusters[index];
  }

  @Override
  public int size() {
    return clusters.length;
  }
}
