package io.opencdi.gateway.graphql;

import java.util.List;
import org.dataloader.Try;

/**
 * Results of a batch resolver ({@code @Source List<…>}) in which each item succeeds or fails on its
 * own. SmallRye GraphQL hands the list to a java-dataloader batch loader, which completes each
 * field with its {@link Try}: a failed one becomes that field's error (with its {@code
 * extensions.code}) and {@code null}, while the other items keep their values. The resolver's
 * declared element type stays what the schema shows.
 */
public final class PerItem {
  private PerItem() {}

  @SuppressWarnings("unchecked")
  public static <T> List<T> results(List<Try<T>> items) {
    return (List<T>) (List<?>) items;
  }
}
