package io.opencdi.loadtest.check;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Reads back every desktop, cluster and node group of a run straight from the database, without any
 * of the gateway's code, and checks what must hold however the gateway works inside:
 *
 * <ul>
 *   <li>no node group and no cluster holds more desktops, CPU or memory than the capacity its agent
 *       reported (its allocatable minus what other workloads use), counting every desktop in a
 *       state that occupies a node, and the gateway's own counters agree with that count;
 *   <li>the agent refused no start for lack of room (the simulated runtime enforces capacity on its
 *       own and would fail such a desktop);
 *   <li>every request a client saw succeed maps to exactly one desktop, with the id it was told,
 *       and every request refused with an error created nothing: no desktop lost or duplicated;
 *   <li>every desktop settles (no desktop stays PENDING, SCHEDULED, STARTING or STOPPING).
 * </ul>
 */
public final class ConsistencyCheck {
  /** States in which a desktop occupies room on its node. */
  static final Set<String> OCCUPYING =
      Set.of("PENDING", "SCHEDULED", "STARTING", "RUNNING", "STOPPING");

  static final Set<String> TRANSIENT = Set.of("PENDING", "SCHEDULED", "STARTING", "STOPPING");

  private final DataSource db;

  public ConsistencyCheck(DataSource db) {
    this.db = db;
  }

  /** What the check found. */
  public record Report(
      List<String> violations,
      Map<String, Object> figures,
      Map<String, Long> desktopsByState,
      long settleMillis) {
    public boolean ok() {
      return violations.isEmpty();
    }

    /** A readable summary for the run's log. */
    public String describe() {
      StringBuilder b = new StringBuilder();
      b.append(ok() ? "consistency check PASSED" : "consistency check FAILED").append('\n');
      figures.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
      b.append("  desktops by state: ").append(desktopsByState).append('\n');
      for (String v : violations) {
        b.append("  VIOLATION: ").append(v).append('\n');
      }
      return b.toString();
    }
  }

  /**
   * Waits up to {@code settle} for every desktop to leave the transient states, then checks.
   *
   * @param ledger what the clients were told
   */
  public Report run(Ledger ledger, Duration settle) throws SQLException {
    List<String> violations = new ArrayList<>();
    Map<String, Object> figures = new LinkedHashMap<>();
    long start = System.nanoTime();
    long deadline = start + settle.toNanos();
    long unsettled;
    while ((unsettled = countTransient()) > 0 && System.nanoTime() < deadline) {
      sleep(250);
    }
    long settleMillis = (System.nanoTime() - start) / 1_000_000;
    if (unsettled > 0) {
      violations.add(unsettled + " desktops still in a transient state after " + settle);
    }
    try (Connection c = db.getConnection()) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      // One snapshot of the whole database for every read below.
      try (Statement s = c.createStatement()) {
        s.execute("set transaction isolation level repeatable read");
      }
      Map<String, Long> byState = desktopsByState(c);
      nodeGroups(c, violations, figures);
      clusters(c, violations, figures);
      agentRefusals(c, violations);
      requests(c, ledger, violations, figures);
      c.commit();
      return new Report(List.copyOf(violations), figures, byState, settleMillis);
    }
  }

  private long countTransient() throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select count(*) from desktop where state in ('PENDING', 'SCHEDULED', 'STARTING',"
                    + " 'STOPPING')")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Map<String, Long> desktopsByState(Connection c) throws SQLException {
    Map<String, Long> m = new TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select state, count(*) from desktop group by state")) {
      while (rs.next()) {
        m.put(rs.getString(1), rs.getLong(2));
      }
    }
    return m;
  }

  private static final String OCCUPYING_SQL =
      "('PENDING', 'SCHEDULED', 'STARTING', 'RUNNING', 'STOPPING')";

  private static void nodeGroups(Connection c, List<String> violations, Map<String, Object> figures)
      throws SQLException {
    String sql =
        "select cl.name, ng.name,"
            + " ng.cpu_millis - ng.external_cpu_millis, ng.memory_mib - ng.external_memory_mib,"
            + " ng.max_desktops, ng.used_cpu_millis, ng.used_memory_mib, ng.used_desktops,"
            + " coalesce(sum(d.cpu_millis), 0), coalesce(sum(d.memory_mib), 0), count(d.id)"
            + " from node_group ng join cluster cl on cl.id = ng.cluster_id"
            + " left join desktop d on d.cluster_id = ng.cluster_id and d.node_group = ng.name"
            + " and d.state in "
            + OCCUPYING_SQL
            + " group by cl.name, ng.name, ng.cpu_millis, ng.external_cpu_millis, ng.memory_mib,"
            + " ng.external_memory_mib, ng.max_desktops, ng.used_cpu_millis, ng.used_memory_mib,"
            + " ng.used_desktops";
    long groups = 0;
    long full = 0;
    int reported = 0;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        groups++;
        String where = rs.getString(1) + "/" + rs.getString(2);
        long capCpu = rs.getLong(3);
        long capMem = rs.getLong(4);
        long capDesktops = rs.getLong(5);
        long usedCpu = rs.getLong(6);
        long usedMem = rs.getLong(7);
        long usedDesktops = rs.getLong(8);
        long cpu = rs.getLong(9);
        long mem = rs.getLong(10);
        long desktops = rs.getLong(11);
        List<String> problems = new ArrayList<>();
        if (cpu > capCpu || mem > capMem || desktops > capDesktops) {
          problems.add(
              String.format(
                  "over-committed: desktops hold %d/%d CPU millis, %d/%d MiB, %d/%d slots",
                  cpu, capCpu, mem, capMem, desktops, capDesktops));
        }
        if (usedCpu > capCpu || usedMem > capMem || usedDesktops > capDesktops) {
          problems.add(
              String.format(
                  "reservations exceed capacity: %d/%d CPU millis, %d/%d MiB, %d/%d slots",
                  usedCpu, capCpu, usedMem, capMem, usedDesktops, capDesktops));
        }
        if (usedCpu != cpu || usedMem != mem || usedDesktops != desktops) {
          problems.add(
              String.format(
                  "reservation counters (%d CPU millis, %d MiB, %d desktops) differ from the"
                      + " desktops that occupy the node group (%d, %d, %d)",
                  usedCpu, usedMem, usedDesktops, cpu, mem, desktops));
        }
        if (desktops == capDesktops || capCpu - cpu < 1000) {
          full++;
        }
        for (String p : problems) {
          if (reported++ < 50) {
            violations.add("node group " + where + ": " + p);
          }
        }
      }
    }
    if (reported > 50) {
      violations.add("... and " + (reported - 50) + " more node-group violations");
    }
    figures.put("node groups checked", groups);
    figures.put("node groups full", full);
  }

  private static void clusters(Connection c, List<String> violations, Map<String, Object> figures)
      throws SQLException {
    String sql =
        "select cl.name,"
            + " (select sum(cpu_millis - external_cpu_millis) from node_group where cluster_id = cl.id),"
            + " (select sum(memory_mib - external_memory_mib) from node_group where cluster_id = cl.id),"
            + " (select sum(max_desktops) from node_group where cluster_id = cl.id),"
            + " coalesce(sum(d.cpu_millis), 0), coalesce(sum(d.memory_mib), 0), count(d.id)"
            + " from cluster cl left join desktop d on d.cluster_id = cl.id and d.state in "
            + OCCUPYING_SQL
            + " group by cl.id, cl.name order by cl.name";
    long clusters = 0;
    long min = Long.MAX_VALUE;
    long max = 0;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        clusters++;
        long desktops = rs.getLong(7);
        min = Math.min(min, desktops);
        max = Math.max(max, desktops);
        if (rs.getLong(5) > rs.getLong(2)
            || rs.getLong(6) > rs.getLong(3)
            || desktops > rs.getLong(4)) {
          violations.add(
              String.format(
                  "cluster %s over-committed: %d/%d CPU millis, %d/%d MiB, %d/%d slots",
                  rs.getString(1),
                  rs.getLong(5),
                  rs.getLong(2),
                  rs.getLong(6),
                  rs.getLong(3),
                  desktops,
                  rs.getLong(4)));
        }
      }
    }
    figures.put("clusters checked", clusters);
    figures.put("desktops per cluster (min-max)", clusters == 0 ? "-" : min + "-" + max);
  }

  private static void agentRefusals(Connection c, List<String> violations) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select count(*), min(status_reason) from desktop where state = 'FAILED'"
                    + " and status_reason like '%no room%'")) {
      rs.next();
      if (rs.getLong(1) > 0) {
        violations.add(
            rs.getLong(1)
                + " desktops FAILED because their node had no room (the agent saw an over-commit),"
                + " e.g. "
                + rs.getString(2));
      }
    }
  }

  private static void requests(
      Connection c, Ledger ledger, List<String> violations, Map<String, Object> figures)
      throws SQLException {
    // Every desktop of the run, by request id (the run sends one with every creation).
    Map<String, List<String>> byRequest = new HashMap<>();
    Map<String, String> ownerOf = new HashMap<>();
    long withoutRequest = 0;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select d.id, d.request_id, u.username from desktop d"
                    + " join app_user u on u.id = d.owner_id")) {
      while (rs.next()) {
        String id = rs.getString(1);
        String requestId = rs.getString(2);
        if (requestId == null) {
          withoutRequest++;
          continue;
        }
        byRequest
            .computeIfAbsent(rs.getString(3) + "\u0000" + requestId, k -> new ArrayList<>())
            .add(id);
        ownerOf.put(id, rs.getString(3));
      }
    }
    long lost = 0;
    long duplicated = 0;
    long wrongId = 0;
    long createdByRefused = 0;
    long unknownThatExist = 0;
    List<String> examples = new ArrayList<>();
    Set<String> seenIds = new java.util.HashSet<>();
    long idsAnsweredTwice = 0;
    for (Map.Entry<String, Ledger.Outcome> e : ledger.outcomes().entrySet()) {
      Ledger.Outcome o = e.getValue();
      List<String> rows = byRequest.getOrDefault(o.owner() + "\u0000" + e.getKey(), List.of());
      switch (o) {
        case Ledger.Created created -> {
          if (!seenIds.add(created.desktopId())) {
            idsAnsweredTwice++;
          }
          if (rows.isEmpty()) {
            lost++;
            example(examples, "request " + e.getKey() + " succeeded but no desktop has it");
          } else if (rows.size() > 1) {
            duplicated++;
            example(examples, "request " + e.getKey() + " has " + rows.size() + " desktops");
          } else if (!rows.get(0).equals(created.desktopId())) {
            wrongId++;
            example(
                examples,
                "request "
                    + e.getKey()
                    + " answered "
                    + created.desktopId()
                    + " but stored "
                    + rows.get(0));
          }
        }
        case Ledger.Refused refused -> {
          if (!rows.isEmpty()) {
            createdByRefused++;
            example(
                examples,
                "request "
                    + e.getKey()
                    + " was refused ("
                    + refused.code()
                    + ") yet created "
                    + rows);
          }
        }
        case Ledger.Unknown unknown -> {
          if (rows.size() > 1) {
            duplicated++;
          } else if (rows.size() == 1) {
            unknownThatExist++;
          }
        }
      }
    }
    if (lost > 0) {
      violations.add(lost + " desktops lost (a client was told it exists; the database has none)");
    }
    if (duplicated > 0) {
      violations.add(duplicated + " request ids map to more than one desktop");
    }
    if (wrongId > 0) {
      violations.add(wrongId + " requests answered with an id other than the stored desktop's");
    }
    if (idsAnsweredTwice > 0) {
      violations.add(idsAnsweredTwice + " desktop ids were answered to two different requests");
    }
    if (createdByRefused > 0) {
      violations.add(createdByRefused + " refused requests created a desktop anyway");
    }
    if (ledger.conflicts() > 0) {
      violations.add(ledger.conflicts() + " request ids were used twice by the simulation");
    }
    if (withoutRequest > 0) {
      violations.add(withoutRequest + " desktops exist that no request of the run created");
    }
    violations.addAll(examples);
    figures.put("requests answered with a desktop", ledger.created());
    figures.put("requests refused, by code", ledger.refusals());
    figures.put("requests without an answer (timeouts)", ledger.unknown());
    figures.put("  of which the desktop exists", unknownThatExist);
  }

  private static void example(List<String> examples, String text) {
    if (examples.size() < 10) {
      examples.add("e.g. " + text);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
