package io.opencdi.gateway.desktop;

import io.opencdi.gateway.auth.Caller;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.TextInputs;
import io.opencdi.gateway.common.ValidationException;
import io.opencdi.gateway.desktop.api.CreateDesktopInput;
import io.opencdi.gateway.desktop.api.CreateDesktopsInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Checks what clients send before anything is touched. */
final class DesktopInputs {
  static final long MIN_CPU = 100;
  static final long MAX_CPU = 128_000;
  static final long MIN_MEMORY = 128;
  static final long MAX_MEMORY = 1_048_576;
  private static final int MAX_REQUEST_ID = 128;
  static final int MAX_NAME = 63;

  private DesktopInputs() {}

  static void validate(CreateDesktopInput in) {
    if (in.name() != null) {
      TextInputs.name(in.name());
    }
    if (in.cpuMillis() != null && (in.cpuMillis() < MIN_CPU || in.cpuMillis() > MAX_CPU)) {
      throw new ValidationException(
          "cpuMillis must be between " + MIN_CPU + " and " + MAX_CPU + ", got " + in.cpuMillis());
    }
    if (in.memoryMiB() != null && (in.memoryMiB() < MIN_MEMORY || in.memoryMiB() > MAX_MEMORY)) {
      throw new ValidationException(
          "memoryMiB must be between "
              + MIN_MEMORY
              + " and "
              + MAX_MEMORY
              + ", got "
              + in.memoryMiB());
    }
    requestId(in.requestId());
    label("region", in.region());
    label("zone", in.zone());
  }

  /** The owner of each desktop of a bulk request. */
  static List<String> owners(Caller caller, CreateDesktopsInput in, int max) {
    requestId(in.requestId());
    label("region", in.region());
    label("zone", in.zone());
    if (in.namePrefix() != null
        && !in.namePrefix().isBlank()
        && !TextInputs.isName(in.namePrefix().strip())) {
      throw new ValidationException("namePrefix must look like a desktop name");
    }
    List<String> owners = ownersOf(caller, in, max);
    if (in.namePrefix() != null && !in.namePrefix().isBlank()) {
      bulkNames(in.namePrefix().strip(), owners);
    }
    return owners;
  }

  /** Bulk names are "prefix-N" up to N = the number of desktops: the longest must fit. */
  static void bulkNames(String prefix, List<String> owners) {
    String longest = prefix + "-" + owners.size();
    if (longest.length() > MAX_NAME) {
      throw new ValidationException(
          "namePrefix is too long: names such as '"
              + longest.substring(0, 20)
              + "…' would be "
              + longest.length()
              + " characters, and a desktop name has at most "
              + MAX_NAME);
    }
  }

  private static List<String> ownersOf(Caller caller, CreateDesktopsInput in, int max) {
    boolean hasOwners = in.owners() != null && !in.owners().isEmpty();
    if (hasOwners == (in.count() != null)) {
      throw new ValidationException("give either owners or count, not both and not neither");
    }
    if (hasOwners) {
      if (!caller.admin()) {
        throw new ForbiddenException("only admins create desktops for other users");
      }
      if (in.owners().size() > max) {
        throw new ValidationException("at most " + max + " desktops per request");
      }
      List<String> owners = new ArrayList<>();
      for (String o : in.owners()) {
        if (o == null || o.isBlank()) {
          throw new ValidationException("owners must not contain empty names");
        }
        TextInputs.username("each owner", o.strip());
        owners.add(o.strip());
      }
      return owners;
    }
    if (in.count() < 1 || in.count() > max) {
      throw new ValidationException("count must be between 1 and " + max);
    }
    return Collections.nCopies(in.count(), caller.username());
  }

  private static void requestId(String requestId) {
    if (requestId != null && (requestId.isBlank() || requestId.length() > MAX_REQUEST_ID)) {
      throw new ValidationException("requestId must be 1-" + MAX_REQUEST_ID + " characters");
    }
  }

  private static void label(String what, String value) {
    TextInputs.label(what, value);
  }
}
