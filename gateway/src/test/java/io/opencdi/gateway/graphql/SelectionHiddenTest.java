package io.opencdi.gateway.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.DataFetchingEnvironmentImpl;
import graphql.schema.DataFetchingFieldSelectionSet;
import graphql.schema.SelectedField;
import io.smallrye.graphql.execution.datafetcher.BatchDataFetcher;
import io.smallrye.graphql.execution.datafetcher.PlugableDataFetcher;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SelectionHiddenTest {
  private final SelectionHidden instrumentation = new SelectionHidden();

  /** A selection set that would cost something to read. */
  private static final DataFetchingFieldSelectionSet SELECTED =
      new DataFetchingFieldSelectionSet() {
        @Override
        public boolean contains(String p) {
          return true;
        }

        @Override
        public boolean containsAnyOf(String p, String... ps) {
          return true;
        }

        @Override
        public boolean containsAllOf(String p, String... ps) {
          return true;
        }

        @Override
        public List<SelectedField> getFields() {
          throw new AssertionError("the selection set was read");
        }

        @Override
        public List<SelectedField> getImmediateFields() {
          throw new AssertionError("the selection set was read");
        }

        @Override
        public Map<String, List<SelectedField>> getFieldsGroupedByResultKey() {
          throw new AssertionError("the selection set was read");
        }

        @Override
        public List<SelectedField> getFields(String p, String... ps) {
          throw new AssertionError("the selection set was read");
        }

        @Override
        public Map<String, List<SelectedField>> getFieldsGroupedByResultKey(
            String p, String... ps) {
          throw new AssertionError("the selection set was read");
        }
      };

  private static DataFetchingEnvironment env() {
    return DataFetchingEnvironmentImpl.newDataFetchingEnvironment()
        .source("the source")
        .arguments(Map.of("id", "d-1"))
        .selectionSet(SELECTED)
        .build();
  }

  @Test
  void smallRyesFetchersSeeNoSelectionButEverythingElse() throws Exception {
    PlugableDataFetcher<String> smallRye =
        e -> e.getSource() + " " + e.getArgument("id") + " " + e.getSelectionSet().getFields();

    DataFetcher<?> seen = instrumentation.instrumentDataFetcher(smallRye, null, null);

    assertThat(seen.get(env())).isEqualTo("the source d-1 []");
  }

  @Test
  void batchFieldsSeeNoSelectionEither() throws Exception {
    // What SmallRye GraphQL registers for a field with @Source List<...>: it reads the selection
    // first thing (to build its context) and then hands the environment to the batch loader.
    AtomicReference<List<SelectedField>> seenBySmallRye = new AtomicReference<>();
    io.smallrye.graphql.schema.model.Operation operation =
        new io.smallrye.graphql.schema.model.Operation();
    io.smallrye.graphql.schema.model.Reference user =
        new io.smallrye.graphql.schema.model.Reference();
    user.setName("User");
    operation.setSourceFieldOn(user);
    operation.setName("ownedDesktops");
    BatchDataFetcher<String> batch =
        new BatchDataFetcher<>(operation, new io.smallrye.graphql.schema.model.Type()) {
          @Override
          public String get(DataFetchingEnvironment e) {
            seenBySmallRye.set(e.getSelectionSet().getFields());
            return "batched";
          }
        };

    assertThat(instrumentation.instrumentDataFetcher(batch, null, null).get(env()))
        .isEqualTo("batched");
    assertThat(seenBySmallRye.get()).isEmpty();
  }

  @Test
  void otherFetchersAreLeftAsTheyAre() {
    DataFetcher<String> plain = e -> "x";
    assertThat(instrumentation.instrumentDataFetcher(plain, null, null)).isSameAs(plain);
  }
}
