package io.opencdi.gateway.applayer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.protocol.AppLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LayerStackTest {
  private static Layer layer(String name, String version) {
    return new Layer(UUID.randomUUID(), name, version, "example.org/apps/" + name + ":" + version);
  }

  @Test
  void theTemplatesLayersComeFirstAndEachOnce() {
    Layer fonts = layer("fonts", "3");
    Layer office = layer("office", "7");
    assertThat(LayerStack.compose(List.of(fonts), List.of(office, fonts)))
        .containsExactly(fonts, office);
  }

  @Test
  void twoVersionsOfOneNameAreRefused() {
    assertThatThrownBy(
            () -> LayerStack.compose(List.of(layer("office", "7")), List.of(layer("office", "8"))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("two versions of 'office' (7 and 8)");
  }

  @Test
  void atMostSixteenLayers() {
    List<Layer> many = new ArrayList<>();
    for (int i = 0; i < LayerStack.MAX_LAYERS + 1; i++) {
      many.add(layer("app-" + i, "1"));
    }
    assertThat(LayerStack.compose(many.subList(0, 16), List.of())).hasSize(16);
    assertThatThrownBy(() -> LayerStack.compose(many, List.of()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("at most 16");
  }

  @Test
  void unknownIdsAreNotFound() {
    Layer known = layer("viewer", "1");
    UUID other = UUID.randomUUID();
    assertThat(LayerStack.resolve(List.of(known.id()), Map.of(known.id(), known)))
        .containsExactly(known);
    assertThatThrownBy(() -> LayerStack.resolve(List.of(other), Map.of(known.id(), known)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(other.toString());
  }

  @Test
  void storedFormRoundTripsAndAgentsGetNameVersionAndImage() {
    List<Layer> stack = List.of(layer("fonts", "3"), layer("office", "7.6"));
    String json = LayerStack.toJson(stack);
    assertThat(LayerStack.fromJson(json)).isEqualTo(stack);
    assertThat(LayerStack.toProtocol(json))
        .containsExactly(
            new AppLayer("fonts", "3", "example.org/apps/fonts:3"),
            new AppLayer("office", "7.6", "example.org/apps/office:7.6"));
    assertThat(LayerStack.fromJson("[]")).isEmpty();
    assertThat(LayerStack.fromJson(null)).isEmpty();
  }

  @Test
  void fieldsThatCouldEscapeAPathOrAShellAreRefused() {
    LayerStack.validate("gimp", "2.10.38", "registry.example.org/apps/gimp:2.10.38");
    for (String[] bad :
        new String[][] {
          {"../x", "1", "a/b:1"},
          {"x/y", "1", "a/b:1"},
          {"-x", "1", "a/b:1"},
          {"x", "../1", "a/b:1"},
          {"x", "1 2", "a/b:1"},
          {"x", "1", "a b"},
          {"x", "1", "`id`"},
          {"x", "1", "/abs/path"}
        }) {
      assertThatThrownBy(() -> LayerStack.validate(bad[0], bad[1], bad[2]))
          .as(String.join(" ", bad))
          .isInstanceOf(ValidationException.class);
    }
  }
}
