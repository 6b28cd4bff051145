package io.opencdi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileNamesTest {
  @Test
  void plainNamesAreAccepted() {
    assertThat(FileNames.valid("report.pdf")).isTrue();
    assertThat(FileNames.valid("Q3 figures (final).xlsx")).isTrue();
    assertThat(FileNames.valid("résumé-简历.txt")).isTrue();
    assertThat(FileNames.valid("emoji-\uD83D\uDE00.png")).isTrue();
    assertThat(FileNames.valid("a".repeat(255))).isTrue();
  }

  @Test
  void pathsHiddenFilesAndControlCharactersAreRefused() {
    assertThat(FileNames.valid(null)).isFalse();
    assertThat(FileNames.valid("")).isFalse();
    assertThat(FileNames.valid(".")).isFalse();
    assertThat(FileNames.valid("..")).isFalse();
    assertThat(FileNames.valid(".bashrc")).isFalse();
    assertThat(FileNames.valid("../etc/passwd")).isFalse();
    assertThat(FileNames.valid("a/b")).isFalse();
    assertThat(FileNames.valid("/etc/shadow")).isFalse();
    assertThat(FileNames.valid("a\u0000b")).isFalse();
    assertThat(FileNames.valid("a\nb")).isFalse();
    assertThat(FileNames.valid("a\u007fb")).isFalse();
    assertThat(FileNames.valid(" a")).isFalse();
    assertThat(FileNames.valid("a ")).isFalse();
    assertThat(FileNames.valid("a".repeat(256))).isFalse();
    // 86 three-byte characters are 258 bytes: over the limit though 86 characters.
    assertThat(FileNames.valid("简".repeat(86))).isFalse();
    assertThat(FileNames.valid("lone-\uD83D")).isFalse();
    assertThat(FileNames.valid("lone-\uDE00x")).isFalse();
  }
}
