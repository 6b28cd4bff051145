package io.opencdi.gateway.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.opencdi.protocol.DesktopState;
import io.opencdi.protocol.FileCloseCodes;
import io.opencdi.protocol.FileOpen;
import io.opencdi.protocol.FileOpen.Folder;
import io.opencdi.protocol.FileOpen.Op;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FileRulesTest {
  private static final UUID ALICE = UUID.randomUUID();
  private static final UUID BOB = UUID.randomUUID();
  private static final long MIB = 1024 * 1024;

  private static FileRules.Facts facts(boolean uploads, boolean downloads, DesktopState state) {
    return new FileRules.Facts(ALICE, state, true, uploads, downloads, false, MIB);
  }

  private static String code(UUID caller, boolean admin, FileRules.Facts f, Op op, String name) {
    return FileRules.check(caller, admin, f, Folder.HOME, op, name, -1)
        .map(FileRules.Refusal::code)
        .orElse("OK");
  }

  @Test
  void theOwnerAndAdminsMoveFilesOthersSeeNoDesktop() {
    FileRules.Facts both = facts(true, true, DesktopState.RUNNING);
    assertThat(code(ALICE, false, both, Op.UPLOAD, "a.txt")).isEqualTo("OK");
    assertThat(code(BOB, true, both, Op.DOWNLOAD, "a.txt")).isEqualTo("OK");
    assertThat(code(BOB, false, both, Op.LIST, null)).isEqualTo("NOT_FOUND");
    assertThat(code(BOB, false, both, Op.DOWNLOAD, "a.txt")).isEqualTo("NOT_FOUND");
    assertThat(code(ALICE, false, null, Op.LIST, null)).isEqualTo("NOT_FOUND");
    // Probing another user's desktop with a bad name still says only "no such desktop".
    assertThat(code(BOB, false, both, Op.UPLOAD, "../x")).isEqualTo("NOT_FOUND");
  }

  @Test
  void eachDirectionNeedsTheTemplatesLeave() {
    FileRules.Facts down = facts(false, true, DesktopState.RUNNING);
    FileRules.Facts up = facts(true, false, DesktopState.RUNNING);
    FileRules.Facts none = facts(false, false, DesktopState.RUNNING);
    assertThat(code(ALICE, false, down, Op.UPLOAD, "a")).isEqualTo("FORBIDDEN");
    assertThat(code(ALICE, false, down, Op.DOWNLOAD, "a")).isEqualTo("OK");
    assertThat(code(ALICE, false, up, Op.DOWNLOAD, "a")).isEqualTo("FORBIDDEN");
    assertThat(code(ALICE, false, up, Op.LIST, null)).isEqualTo("OK");
    assertThat(code(ALICE, false, none, Op.LIST, null)).isEqualTo("FORBIDDEN");
    // An admin is held to the template too: the policy is about the data, not the person.
    assertThat(code(BOB, true, none, Op.DOWNLOAD, "a")).isEqualTo("FORBIDDEN");
    FileRules.Facts orphan =
        new FileRules.Facts(ALICE, DesktopState.RUNNING, false, true, true, true, 1);
    assertThat(code(ALICE, false, orphan, Op.LIST, null)).isEqualTo("FORBIDDEN");
  }

  @Test
  void namesStateAndSizeAreCheckedBeforeAnythingMoves() {
    FileRules.Facts both = facts(true, true, DesktopState.RUNNING);
    assertThat(code(ALICE, false, both, Op.UPLOAD, ".profile")).isEqualTo("VALIDATION");
    assertThat(code(ALICE, false, both, Op.DOWNLOAD, "../../etc/passwd")).isEqualTo("VALIDATION");
    assertThat(code(ALICE, false, facts(true, true, DesktopState.STOPPED), Op.LIST, null))
        .isEqualTo("INVALID_STATE");
    assertThat(FileRules.check(ALICE, false, both, Folder.HOME, Op.UPLOAD, "a", MIB + 1))
        .hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(413));
    assertThat(FileRules.check(ALICE, false, both, Folder.HOME, Op.UPLOAD, "a", MIB)).isEmpty();
  }

  @Test
  void theAgentsCodesBecomeTheApisAndOnlyPlainReasonsReachTheUser() {
    assertThat(FileRules.ofClose(FileCloseCodes.EXISTS, "taken").status()).isEqualTo(409);
    assertThat(FileRules.ofClose(FileCloseCodes.NOT_FOUND, null).code()).isEqualTo("NOT_FOUND");
    assertThat(FileRules.ofClose(FileCloseCodes.TOO_LARGE, "").status()).isEqualTo(413);
    assertThat(FileRules.ofClose(FileCloseCodes.INVALID_NAME, "bad").code())
        .isEqualTo("VALIDATION");
    assertThat(FileRules.ofClose(FileCloseCodes.FAILED, "no space left").message())
        .isEqualTo("no space left");
    assertThat(FileRules.ofClose(FileCloseCodes.FAILED, "line\nbreak").message())
        .doesNotContain("\n");
    assertThat(FileRules.ofClose(4999, "whatever").message()).doesNotContain("whatever");
    assertThat(FileRules.ofClose(1006, null).status()).isEqualTo(503);
  }

  @Test
  void printsFollowThePrintingSwitchNotTheFilePolicyAndTakeNoUploads() {
    FileRules.Facts printingNoFiles =
        new FileRules.Facts(ALICE, DesktopState.RUNNING, true, false, false, true, MIB);
    FileRules.Facts filesNoPrinting =
        new FileRules.Facts(ALICE, DesktopState.RUNNING, true, true, true, false, MIB);
    FileOpen.Folder prints = FileOpen.Folder.PRINTS;
    assertThat(FileRules.check(ALICE, false, printingNoFiles, prints, Op.LIST, null, -1)).isEmpty();
    assertThat(FileRules.check(ALICE, false, printingNoFiles, prints, Op.DOWNLOAD, "a.pdf", -1))
        .isEmpty();
    assertThat(FileRules.check(ALICE, false, filesNoPrinting, prints, Op.LIST, null, -1))
        .hasValueSatisfying(r -> assertThat(r.code()).isEqualTo("FORBIDDEN"));
    assertThat(FileRules.check(ALICE, false, printingNoFiles, prints, Op.UPLOAD, "a.pdf", 1))
        .hasValueSatisfying(r -> assertThat(r.code()).isEqualTo("VALIDATION"));
    assertThat(FileRules.check(BOB, false, printingNoFiles, prints, Op.LIST, null, -1))
        .hasValueSatisfying(r -> assertThat(r.code()).isEqualTo("NOT_FOUND"));
    // The home stays closed under that template.
    assertThat(code(ALICE, false, printingNoFiles, Op.LIST, null)).isEqualTo("FORBIDDEN");
  }

  @Test
  void aDownloadKeepsAnyNameInItsHeader() {
    assertThat(FileExchange.disposition("résumé 简历.txt"))
        .isEqualTo(
            "attachment; filename=\"r_sum_ __.txt\";"
                + " filename*=UTF-8''r%C3%A9sum%C3%A9%20%E7%AE%80%E5%8E%86.txt");
    assertThat(FileExchange.disposition("a\"b.txt")).startsWith("attachment; filename=\"a_b.txt\"");
  }
}
