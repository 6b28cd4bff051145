package io.opencdi.helm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every image definition must pass: each base image pinned (a version tag or a digest,
 * never {@code latest}), a non-root numeric USER in the final stage, and a HEALTHCHECK.
 */
final class Dockerfiles {
  private static final Pattern DIGEST = Pattern.compile(".+@sha256:[0-9a-f]{64}");
  private static final Pattern VERSION_TAG = Pattern.compile(".*[0-9].*");

  private Dockerfiles() {}

  /** One instruction: its upper-case keyword and the rest of its (joined) line. */
  record Instruction(String keyword, String args) {}

  static List<Instruction> parse(String text) {
    List<Instruction> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      // Comments are dropped, also between the continued lines of one instruction.
      if (line.startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String joined = current.toString().strip();
      current.setLength(0);
      if (!joined.isEmpty()) {
        String[] parts = joined.split("\\s+", 2);
        result.add(
            new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
      }
    }
    return result;
  }

  /** What is wrong with a Dockerfile; empty when it passes. */
  static List<String> problems(String text) {
    List<Instruction> instructions = parse(text);
    List<String> problems = new ArrayList<>();
    Set<String> stages = new HashSet<>();
    int lastFrom = -1;
    for (int i = 0; i < instructions.size(); i++) {
      Instruction in = instructions.get(i);
      if (!in.keyword().equals("FROM")) {
        continue;
      }
      lastFrom = i;
      List<String> words =
          new ArrayList<>(List.of(in.args().split("\\s+")))
              .stream().filter(w -> !w.startsWith("--")).toList();
      String image = words.get(0);
      if (words.size() >= 3 && words.get(1).equalsIgnoreCase("AS")) {
        stages.add(words.get(2).toLowerCase(Locale.ROOT));
      }
      if (stages.contains(image.toLowerCase(Locale.ROOT)) && !image.contains(":")) {
        continue; // an earlier stage of this file
      }
      problems.addAll(baseImageProblems(image));
    }
    if (lastFrom < 0) {
      problems.add("no FROM");
      return problems;
    }
    List<Instruction> finalStage = instructions.subList(lastFrom, instructions.size());
    String user = null;
    boolean healthcheck = false;
    for (Instruction in : finalStage) {
      if (in.keyword().equals("USER")) {
        user = in.args().strip();
      }
      if (in.keyword().equals("HEALTHCHECK")) {
        healthcheck = !in.args().strip().equalsIgnoreCase("NONE");
      }
    }
    if (user == null) {
      problems.add("no USER: the image would run as root");
    } else {
      String uid = user.split(":")[0];
      // Kubernetes can only verify runAsNonRoot for a numeric user.
      if (!uid.matches("[0-9]+")) {
        problems.add("USER " + user + " is not numeric");
      } else if (Integer.parseInt(uid) == 0) {
        problems.add("USER " + user + " is root");
      }
    }
    if (!healthcheck) {
      problems.add("no HEALTHCHECK");
    }
    return problems;
  }

  static List<String> baseImageProblems(String image) {
    if (image.contains("$")) {
      return List.of("base image " + image + " depends on a build argument");
    }
    if (DIGEST.matcher(image).matches()) {
      return List.of();
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash) {
      return List.of("base image " + image + " has no tag: it means latest");
    }
    String tag = image.substring(colon + 1);
    if (tag.equals("latest") || !VERSION_TAG.matcher(tag).matches()) {
      return List.of("base image " + image + " is not pinned to a version");
    }
    return List.of();
  }
}
