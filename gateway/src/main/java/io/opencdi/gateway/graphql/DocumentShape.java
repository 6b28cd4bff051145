package io.opencdi.gateway.graphql;

import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.Node;
import graphql.language.NodeTraverser;
import graphql.language.NodeVisitorStub;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.util.TraversalControl;
import graphql.util.TraverserContext;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What an operation would cost once its fragments are expanded — fields, depth, root fields —
 * computed without expanding anything: each fragment's cost is computed once and reused wherever it
 * is spread. A document of twenty fragments that each spread the previous one twice selects a
 * million fields; this finds that in twenty steps. graphql-java's own checks (the complexity
 * instrumentation and the validation rule OverlappingFieldsCanBeMerged) expand first, which is what
 * made such a document cost seconds of CPU.
 */
final class DocumentShape {
  /** Cost of a selection set after expansion. Saturates rather than overflows. */
  record Cost(long fields, int depth) {
    static final Cost NONE = new Cost(0, 0);
  }

  /** A fragment that spreads itself, directly or not: graphql-java refuses it in validation. */
  static final class FragmentCycle extends RuntimeException {
    FragmentCycle(String name) {
      super("fragment " + name + " spreads itself", null, false, false);
    }
  }

  private final Map<String, FragmentDefinition> fragments = new HashMap<>();
  private final Map<String, Cost> costs = new HashMap<>();
  private final Map<String, Long> rootCounts = new HashMap<>();
  private final Set<String> visiting = new HashSet<>();

  DocumentShape(Document document) {
    for (FragmentDefinition f : document.getDefinitionsOfType(FragmentDefinition.class)) {
      fragments.putIfAbsent(f.getName(), f);
    }
  }

  /** Fragment spreads written in the document, however often each runs. */
  static int spreads(Document document) {
    int[] count = {0};
    NodeTraverser traverser = new NodeTraverser();
    traverser.preOrder(
        new NodeVisitorStub() {
          @Override
          public TraversalControl visitFragmentSpread(
              FragmentSpread node, TraverserContext<Node> context) {
            count[0]++;
            return TraversalControl.CONTINUE;
          }
        },
        document);
    return count[0];
  }

  /** The expanded cost of an operation. */
  Cost cost(OperationDefinition operation) {
    return cost(operation.getSelectionSet());
  }

  /** Root fields of an operation after expansion, aliases counted each. */
  long rootFields(OperationDefinition operation) {
    return rootFields(operation.getSelectionSet());
  }

  /** Names of the root fields of an operation; call only when {@link #rootFields} is bounded. */
  Set<String> rootFieldNames(OperationDefinition operation) {
    Set<String> names = new LinkedHashSet<>();
    collectRootNames(operation.getSelectionSet(), names, new HashSet<>());
    return names;
  }

  private Cost cost(SelectionSet set) {
    if (set == null) {
      return Cost.NONE;
    }
    long fields = 0;
    int depth = 0;
    for (Selection<?> selection : set.getSelections()) {
      Cost c =
          switch (selection) {
            case Field f -> {
              Cost sub = cost(f.getSelectionSet());
              yield new Cost(add(1, sub.fields()), sub.depth() + 1);
            }
            case FragmentSpread spread -> fragmentCost(spread.getName());
            case InlineFragment inline -> cost(inline.getSelectionSet());
            default -> Cost.NONE;
          };
      fields = add(fields, c.fields());
      depth = Math.max(depth, c.depth());
    }
    return new Cost(fields, depth);
  }

  private Cost fragmentCost(String name) {
    Cost known = costs.get(name);
    if (known != null) {
      return known;
    }
    FragmentDefinition definition = fragments.get(name);
    if (definition == null) {
      return Cost.NONE; // validation reports the unknown fragment
    }
    if (!visiting.add(name)) {
      throw new FragmentCycle(name);
    }
    Cost c = cost(definition.getSelectionSet());
    visiting.remove(name);
    costs.put(name, c);
    return c;
  }

  private long rootFields(SelectionSet set) {
    long count = 0;
    for (Selection<?> selection : set.getSelections()) {
      count =
          add(
              count,
              switch (selection) {
                case Field f -> 1;
                case FragmentSpread spread -> fragmentRootFields(spread.getName());
                case InlineFragment inline -> rootFields(inline.getSelectionSet());
                default -> 0;
              });
    }
    return count;
  }

  private long fragmentRootFields(String name) {
    Long known = rootCounts.get(name);
    if (known != null) {
      return known;
    }
    FragmentDefinition definition = fragments.get(name);
    if (definition == null) {
      return 0;
    }
    if (!visiting.add(name)) {
      throw new FragmentCycle(name);
    }
    long count = rootFields(definition.getSelectionSet());
    visiting.remove(name);
    rootCounts.put(name, count);
    return count;
  }

  private void collectRootNames(SelectionSet set, Set<String> names, Set<String> seen) {
    for (Selection<?> selection : set.getSelections()) {
      switch (selection) {
        case Field f -> names.add(f.getName());
        case FragmentSpread spread -> {
          FragmentDefinition definition = fragments.get(spread.getName());
          if (definition != null && seen.add(spread.getName())) {
            collectRootNames(definition.getSelectionSet(), names, seen);
          }
        }
        case InlineFragment inline -> collectRootNames(inline.getSelectionSet(), names, seen);
        default -> {}
      }
    }
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
