package io.opencdi.gateway.graphql;

import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.DataFetchingFieldSelectionSet;
import graphql.schema.DelegatingDataFetchingEnvironment;
import graphql.schema.SelectedField;
import io.smallrye.graphql.execution.datafetcher.BatchDataFetcher;
import io.smallrye.graphql.execution.datafetcher.PlugableDataFetcher;
import java.util.List;
import java.util.Map;

/**
 * Shows SmallRye GraphQL's data fetchers an empty selection set. Before every field it resolves,
 * SmallRye GraphQL copies the field's whole selection set into JSON twice, for a {@code Context}
 * whose selected fields nothing in the gateway reads; that was about 8 % of the gateway's CPU per
 * {@code createDesktop}. The resolvers themselves never ask for the selection set (the architecture
 * test keeps {@code DataFetchingEnvironment} out of them), and graphql-java's own execution does
 * not use this view of it.
 */
final class SelectionHidden extends SimplePerformantInstrumentation {
  @Override
  public DataFetcher<?> instrumentDataFetcher(
      DataFetcher<?> fetcher,
      InstrumentationFieldFetchParameters parameters,
      InstrumentationState state) {
    // Its batch fields' fetcher is no PlugableDataFetcher, and hands its environment on to the
    // batch loader, which copies the selection again.
    if (!(fetcher instanceof PlugableDataFetcher<?>) && !(fetcher instanceof BatchDataFetcher<?>)) {
      return fetcher;
    }
    return env -> fetcher.get(new WithoutSelection(env));
  }

  private static final class WithoutSelection extends DelegatingDataFetchingEnvironment {
    WithoutSelection(DataFetchingEnvironment env) {
      super(env);
    }

    @Override
    public DataFetchingFieldSelectionSet getSelectionSet() {
      return Empty.SET;
    }
  }

  private enum Empty implements DataFetchingFieldSelectionSet {
    SET;

    @Override
    public boolean contains(String fieldGlobPattern) {
      return false;
    }

    @Override
    public boolean containsAnyOf(String fieldGlobPattern, String... fieldGlobPatterns) {
      return false;
    }

    @Override
    public boolean containsAllOf(String fieldGlobPattern, String... fieldGlobPatterns) {
      return false;
    }

    @Override
    public List<SelectedField> getFields() {
      return List.of();
    }

    @Override
    public List<SelectedField> getImmediateFields() {
      return List.of();
    }

    @Override
    public Map<String, List<SelectedField>> getFieldsGroupedByResultKey() {
      return Map.of();
    }

    @Override
    public List<SelectedField> getFields(String fieldGlobPattern, String... fieldGlobPatterns) {
      return List.of();
    }

    @Override
    public Map<String, List<SelectedField>> getFieldsGroupedByResultKey(
        String fieldGlobPattern, String... fieldGlobPatterns) {
      return Map.of();
    }
  }
}
