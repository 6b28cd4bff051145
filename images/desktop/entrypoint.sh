#!/usr/bin/env bash
# OpenCDI desktop entrypoint: the ONE start-up script of a desktop, run as the container's
# command in a pod and as a process group by the cluster agent's local runtime.
#
#   entrypoint.sh [run]    start Xvnc, the window manager and the session; stay in the foreground
#   entrypoint.sh health   exit 0 when the VNC port answers with an RFB banner, 1 otherwise
#   entrypoint.sh layers   print PATH, LD_LIBRARY_PATH and XDG_DATA_DIRS as the layers in
#                          OPENCDI_LAYERS make them without OverlayFS (mounts nothing)
#
# Configuration (environment):
#   OPENCDI_DISPLAY        X display number                          (default 1)
#   OPENCDI_DESKTOP_ID     the desktop's id, for programs of the session (not read here)
#   OPENCDI_VNC_PORT       RFB TCP port                              (default 5900 + display)
#   OPENCDI_VNC_LISTEN     address Xvnc binds: 127.0.0.1, a pod or sandbox IP, or 0.0.0.0
#                                                                    (default 127.0.0.1)
#   OPENCDI_VNC_UNIX_SOCKET  when set, RFB is served on this Unix socket only (mode 600, no TCP
#                          port): the local runtime's agent is its one client (ADR 0021)
#   OPENCDI_GEOMETRY       screen size WIDTHxHEIGHT                  (default 1280x800)
#   OPENCDI_DEPTH          colour depth                              (default 24)
#   OPENCDI_SESSION        openbox | xfce | auto (xfce when installed, else openbox)
#                                                                    (default auto)
#   OPENCDI_VNC_SECURITY   None | VncAuth                            (default None, see ADR 0006)
#   OPENCDI_VNC_PASSWORD_FILE  TigerVNC password file (vncpasswd -f) for VncAuth
#   OPENCDI_DESKTOP_NAME   name shown by VNC clients                 (default opencdi)
#   OPENCDI_VNC_BLACKLIST_THRESHOLD  connections that end before authenticating after which
#                          Xvnc refuses a host for a while; health probes are such connections,
#                          so the default is high (only the agent reaches the port; ADR 0006)
#   OPENCDI_LAYERS         application layers: read-only directories, lowest first, separated
#                          by ':' (the kubernetes runtime mounts one per layer image under
#                          /opt/opencdi/layers); composed over the image before the session starts
#   OPENCDI_WATERMARK_FILE when set, the text in this file (first line, {time} kept current) is
#                          drawn over every window; the file is the runtime's to write and may
#                          appear, change or go at any time (no file: no watermark; ADR 0040)
#   OPENCDI_PRINT_DIR      when set (and CUPS is installed), the desktop has a virtual PDF printer,
#                          OpenCDI-PDF, the default of every program of the session (CUPS_SERVER):
#                          a cupsd of the session's user writes each job to this directory as
#                          <UTC yyyy-mm-ddThh-mm-ssZ>-job-<id>[-<title>].pdf, mode 644, outside the
#                          home, for the runtime to hand out (ADR 0043)
#   OPENCDI_AUDIO_SOCKET   when set (and PulseAudio is installed), the session has sound (ADR 0044):
#                          a PulseAudio of the session's user (PULSE_SERVER) whose default sink,
#                          opencdi, plays into nothing, and this Unix socket (mode 600) gives each
#                          client that connects what the session plays, raw s16le 48 kHz stereo,
#                          about 20 ms behind (needs pulseaudio-utils and socat)
#   OPENCDI_MIC_SOCKET     with OPENCDI_AUDIO_SOCKET: a Unix socket (mode 600) taking raw s16le
#                          48 kHz mono that the session's programs hear as their default source
#                          (the microphone)
#   OPENCDI_AUDIO_TCP      instead of OPENCDI_AUDIO_SOCKET, IPv4:PORT: the same sound served on
#                          TCP, where no host process can reach a Unix socket of the session (a
#                          gVisor sandbox, a Kubernetes Pod); only OPENCDI_AUDIO_PEER may connect
#   OPENCDI_MIC_TCP        with OPENCDI_AUDIO_TCP: the microphone on IPv4:PORT, likewise
#   OPENCDI_AUDIO_PEER     with OPENCDI_AUDIO_TCP: the one IPv4 address (the runtime's end of the
#                          sandbox's link), or IPv4 range from /8 to /32 (the agent pods'
#                          addresses), whose connections are served; without it, no sound
#   HOME                   the user's home: the persistent volume    (required, created if absent)
#
# The X display accepts only clients holding its cookie: a fresh one each start, written to
# $XAUTHORITY (default $HOME/.Xauthority, mode 600), which the session's programs inherit.
#
# SIGTERM (or SIGINT) stops the session, the window manager and Xvnc, then exits 0. When Xvnc
# or the window manager dies on its own, everything else is stopped too and the script exits
# non-zero, so that a pod restarts and the local runtime reports the desktop FAILED.
set -u

display="${OPENCDI_DISPLAY:-1}"
port="${OPENCDI_VNC_PORT:-$((5900 + display))}"
listen="${OPENCDI_VNC_LISTEN:-127.0.0.1}"
geometry="${OPENCDI_GEOMETRY:-1280x800}"
depth="${OPENCDI_DEPTH:-24}"
session="${OPENCDI_SESSION:-auto}"
security="${OPENCDI_VNC_SECURITY:-None}"
desktop_name="${OPENCDI_DESKTOP_NAME:-opencdi}"
unix_socket="${OPENCDI_VNC_UNIX_SOCKET:-}"

log() { printf '%s entrypoint: %s\n' "$(date -u +%H:%M:%S.%3N)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# Reads the 12-byte RFB ProtocolVersion banner ("RFB 003.008\n") from host:port.
rfb_banner() {
  local host="$1" banner=""
  [[ "$host" == "0.0.0.0" ]] && host=127.0.0.1
  exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
  IFS= read -r -t 2 -n 12 banner <&3 || true
  exec 3<&- 3>&-
  [[ "$banner" == RFB\ 003.00* ]]
}

validate() {
  [[ "$display" =~ ^[0-9]{1,4}$ ]] || die "OPENCDI_DISPLAY must be a number, was '$display'"
  [[ "$port" =~ ^[0-9]{1,5}$ && "$port" -ge 1 && "$port" -le 65535 ]] \
    || die "OPENCDI_VNC_PORT must be a TCP port, was '$port'"
  [[ "$geometry" =~ ^[0-9]{3,5}x[0-9]{3,5}$ ]] \
    || die "OPENCDI_GEOMETRY must be WIDTHxHEIGHT, was '$geometry'"
  [[ "$depth" =~ ^(16|24|32)$ ]] || die "OPENCDI_DEPTH must be 16, 24 or 32, was '$depth'"
  [[ "$listen" =~ ^[0-9.]+$|^[0-9a-fA-F:]+$ ]] \
    || die "OPENCDI_VNC_LISTEN must be an IP address, was '$listen'"
  [[ -n "${HOME:-}" && "$HOME" == /* ]] || die "HOME must be an absolute path"
  case "$security" in
    None) ;;
    VncAuth)
      [[ -r "${OPENCDI_VNC_PASSWORD_FILE:-}" ]] \
        || die "OPENCDI_VNC_SECURITY=VncAuth needs a readable OPENCDI_VNC_PASSWORD_FILE" ;;
    *) die "OPENCDI_VNC_SECURITY must be None or VncAuth, was '$security'" ;;
  esac
  case "$session" in
    auto) if command -v xfce4-session >/dev/null; then session=xfce; else session=openbox; fi ;;
    openbox | xfce) ;;
    *) die "OPENCDI_SESSION must be openbox, xfce or auto, was '$session'" ;;
  esac
  [[ -z "$unix_socket" || "$unix_socket" == /* ]] \
    || die "OPENCDI_VNC_UNIX_SOCKET must be an absolute path, was '$unix_socket'"
  command -v Xvnc >/dev/null || die "Xvnc is not installed (Debian: tigervnc-standalone-server)"
  command -v xauth >/dev/null || die "xauth is not installed (Debian: xauth)"
  if [[ "$session" == openbox ]]; then
    command -v openbox >/dev/null || die "openbox is not installed"
  else
    command -v xfce4-session >/dev/null || die "xfce4-session is not installed (Debian: xfce4)"
  fi
}

# Puts $2 in front of the ':'-separated list in the variable named $1, when $2 is a directory.
path_prepend() {
  [ -d "$2" ] || return 0
  eval "_current=\${$1:-}"
  if [ -n "$_current" ]; then eval "$1=\$2:\$_current"; else eval "$1=\$2"; fi
}

# Composes the application layers in OPENCDI_LAYERS over the image, for the session and every
# program it starts. Higher layers win over lower ones, every layer over the image. Only a layer's
# usr/ and opt/ count (never etc/: the image's users and configuration stay the image's). Layers
# are read-only mounts, so whatever the user installs or changes lands in $HOME, never in a layer.
#
# With OverlayFS: /usr becomes a read-only overlay, lowerdir=<top>/usr:...:<lowest>/usr:/usr and no
# upperdir. Mounting needs CAP_SYS_ADMIN, so it is tried only when this script already runs as
# root; nothing more runs as root than before. A desktop pod runs as uid 1000 with no
# capabilities, no privilege escalation and the RuntimeDefault seccomp profile, which also refuses
# the user namespace an unprivileged overlay would need: there, and whenever the mount fails, the
# layers go on the search paths instead - bin directories on PATH, library directories on
# LD_LIBRARY_PATH, share directories on XDG_DATA_DIRS (menus, icons). Programs that look for their
# files under absolute /usr paths see only the image's in that case. A layer's opt/<app>/bin and
# opt/<app>/lib are used from the layer's own directory either way (/opt is not overlaid: the
# layers are mounted under it).
# $1: "overlay" tries OverlayFS first, "paths" only sets the search paths.
compose_layers() {
  [ -n "${OPENCDI_LAYERS:-}" ] || return 0
  local dir top_first="" lowest_first="" lower="" count=0 saved_ifs="$IFS"
  IFS=:
  set -f
  for dir in $OPENCDI_LAYERS; do
    case "$dir" in
      /*) ;;
      *) log "layer directory '$dir' is not an absolute path; skipped"; continue ;;
    esac
    if [ ! -d "$dir" ]; then
      log "layer directory $dir does not exist; skipped"
      continue
    fi
    top_first="$dir:$top_first"
    lowest_first="$lowest_first$dir:"
    count=$((count + 1))
  done
  set +f
  IFS="$saved_ifs"
  [ "$count" -gt 0 ] || return 0

  local overlaid=false rest
  if [ "${1:-paths}" = overlay ] && [ "$(id -u)" = 0 ]; then
    rest="$top_first"
    while [ -n "$rest" ]; do
      dir="${rest%%:*}"
      rest="${rest#*:}"
      # ',' would end the mount option; such a layer cannot be a lowerdir.
      case "$dir" in *,*) lower=""; break ;; esac
      [ -d "$dir/usr" ] && lower="$lower$dir/usr:"
    done
    if [ -n "$lower" ] \
      && mount -t overlay opencdi-layers -o "ro,lowerdir=$lower/usr" /usr 2>/dev/null; then
      overlaid=true
      log "$count layer(s) composed over /usr with OverlayFS"
    fi
  fi

  : "${XDG_DATA_DIRS:=/usr/local/share:/usr/share}"
  local sub
  rest="$lowest_first"
  while [ -n "$rest" ]; do
    dir="${rest%%:*}"
    rest="${rest#*:}"
    if ! $overlaid; then
      path_prepend PATH "$dir/usr/bin"
      path_prepend PATH "$dir/usr/local/bin"
      path_prepend LD_LIBRARY_PATH "$dir/usr/lib"
      for sub in "$dir"/usr/lib/*-linux-gnu*; do path_prepend LD_LIBRARY_PATH "$sub"; done
      path_prepend LD_LIBRARY_PATH "$dir/usr/local/lib"
      path_prepend XDG_DATA_DIRS "$dir/usr/share"
      path_prepend XDG_DATA_DIRS "$dir/usr/local/share"
    fi
    for sub in "$dir"/opt/*/lib; do path_prepend LD_LIBRARY_PATH "$sub"; done
    for sub in "$dir"/opt/*/bin; do path_prepend PATH "$sub"; done
  done
  export PATH XDG_DATA_DIRS
  [ -z "${LD_LIBRARY_PATH:-}" ] || export LD_LIBRARY_PATH
  $overlaid || log "$count layer(s) composed on PATH, LD_LIBRARY_PATH and XDG_DATA_DIRS (no OverlayFS)"
}

# The watermark program (ADR 0040): draws the first line of the file named by its argument, with
# {time} kept current, in rows across the whole screen in an override-redirect window shaped to the
# glyphs (so only the text covers anything) whose input shape is empty (clicks and keys go to the
# windows below). It raises itself over every window mapped or restacked after it, follows the
# screen's size, maps itself again when another client unmaps it, and hides when the file is
# missing or empty.
IFS= read -r -d '' WATERMARK_PROGRAM <<'PY' || true
import select, sys, time
from Xlib import X, display
from Xlib.ext import shape

path = sys.argv[1]
d = display.Display()
screen = d.screen()
root = screen.root
if not d.has_extension("SHAPE"):
    sys.exit("the X server has no SHAPE extension")
FONTS = ("-misc-fixed-bold-r-normal--18-*-*-*-*-*-iso10646-1",
         "-misc-fixed-bold-r-normal--15-*-*-*-*-*-iso10646-1", "9x15bold", "fixed")
font = next(f for f in (d.open_font(n) for n in FONTS) if f is not None)
char_width = font.query().max_bounds.character_width
colour = screen.default_colormap.alloc_color(0x9A9A, 0x9A9A, 0x9A9A).pixel
win = root.create_window(0, 0, 1, 1, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
                         background_pixel=colour, override_redirect=True,
                         event_mask=X.StructureNotifyMask)
win.set_wm_name("opencdi-watermark")
win.shape_rectangles(shape.SO.Set, shape.SK.Input, X.Unsorted, 0, 0, [])
root.change_attributes(event_mask=X.StructureNotifyMask | X.SubstructureNotifyMask)

def text_now():
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            t = f.readline().strip()
    except OSError:
        return ""
    t = "".join(c for c in t if c.isprintable())[:400]
    return t.replace("{time}", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))

shown = None
def draw(text):
    global shown
    g = root.get_geometry()
    key = (text, g.width, g.height)
    if key == shown:
        return
    shown = key
    if not text:
        win.unmap()
        return
    win.configure(x=0, y=0, width=g.width, height=g.height)
    mask = win.create_pixmap(g.width, g.height, 1)
    gc = mask.create_gc(foreground=0, background=0, font=font)
    mask.fill_rectangle(gc, 0, 0, g.width, g.height)
    gc.change(foreground=1)
    # Core fonts draw 8-bit text: what Latin-1 lacks is drawn as '?'.
    data = text.encode("latin-1", "replace").decode("latin-1")
    step_x = len(data) * char_width + 160
    row = 0
    for y in range(90, g.height, 150):
        for x in range(-(row * 97) % step_x - step_x, g.width, step_x):
            mask.draw_text(gc, x, y, data)
        row += 1
    win.shape_mask(shape.SO.Set, shape.SK.Bounding, 0, 0, mask)
    gc.free()
    mask.free()
    win.map()
    win.configure(stack_mode=X.Above)

def on_top():
    children = root.query_tree().children
    if shown and shown[0] and children and children[-1] != win:
        win.configure(stack_mode=X.Above)

draw(text_now())
d.flush()
while True:
    select.select([d], [], [], 0.5)
    others_moved = False
    while d.pending_events():
        e = d.next_event()
        if e.type == X.ConfigureNotify and e.window == root:
            shown = None  # the screen changed size
        elif e.type in (X.MapNotify, X.ConfigureNotify) and e.window != win:
            others_moved = True
        elif e.type == X.UnmapNotify and e.window == win and shown and shown[0]:
            shown = None  # unmapped by someone else: map again
    draw(text_now())
    if others_moved:
        on_top()
    d.flush()
PY

# The virtual PDF printer (ADR 0043): a cupsd of the session's user, configured in a private
# directory outside the home (its socket, spool and logs go with the session), with one queue,
# OpenCDI-PDF, whose backend writes each job's PDF to OPENCDI_PRINT_DIR. Jobs arrive as PDF (GTK,
# Firefox) or are made PDF by cups-filters (text, images, PostScript). Exports CUPS_SERVER, for
# every program of the session; does nothing when OPENCDI_PRINT_DIR is unset or CUPS is missing.
cups_pid=""
start_printer() {
  [[ -n "${OPENCDI_PRINT_DIR:-}" ]] || return 0
  local cupsd
  cupsd=$(command -v cupsd || echo /usr/sbin/cupsd)
  if [[ ! -x "$cupsd" || ! -d /usr/lib/cups/filter ]]; then
    log "warning: no printer: CUPS is not installed (Debian: cups-daemon cups-client cups-filters)"
    return 0
  fi
  if [[ "$OPENCDI_PRINT_DIR" != /* ]]; then
    log "warning: no printer: OPENCDI_PRINT_DIR must be an absolute path"
    return 0
  fi
  local dir="$XDG_RUNTIME_DIR/cups"
  rm -rf "$dir"
  if ! mkdir -m 700 "$dir" "$dir/ppd" "$dir/bin" "$dir/bin/filter" "$dir/bin/backend" \
    "$dir/spool" "$dir/cache" "$dir/state" "$dir/tmp" "$dir/log"; then
    log "warning: no printer: cannot make $dir"
    return 0
  fi
  local f
  for f in /usr/lib/cups/filter/*; do ln -s "$f" "$dir/bin/filter/"; done
  ln -s /usr/lib/cups/daemon "$dir/bin/daemon" # cups-exec, which runs every filter and backend
  printf '%s\n' "ServerRoot $dir" "ServerBin $dir/bin" "DataDir /usr/share/cups" \
    "RequestRoot $dir/spool" "CacheDir $dir/cache" "StateDir $dir/state" "TempDir $dir/tmp" \
    "ErrorLog $dir/log/error_log" "AccessLog $dir/log/access_log" "PageLog $dir/log/page_log" \
    "FileDevice No" "Sandboxing Relaxed" >"$dir/cups-files.conf"
  printf '%s\n' "Listen $dir/cups.sock" "LogLevel warn" "Browsing Off" "DefaultAuthType None" \
    "WebInterface No" "<Location />" "  Order allow,deny" "  Allow all" "</Location>" \
    "<Policy default>" "  <Limit All>" "    Order deny,allow" "  </Limit>" "</Policy>" \
    >"$dir/cupsd.conf"
  printf '%s\n' "<DefaultPrinter OpenCDI-PDF>" "Info OpenCDI PDF printer" \
    "MakeModel OpenCDI PDF printer" "DeviceURI opencdi-pdf:/" "State Idle" "Accepting Yes" \
    "Shared No" "JobSheets none none" "OpPolicy default" "ErrorPolicy abort-job" \
    "</DefaultPrinter>" >"$dir/printers.conf"
  # A generic PDF printer: what arrives as PDF goes to the backend as it is.
  printf '%s\n' '*PPD-Adobe: "4.3"' '*FormatVersion: "4.3"' '*FileVersion: "1.0"' \
    '*LanguageVersion: English' '*LanguageEncoding: ISOLatin1' '*PCFileName: "OPENCDI.PPD"' \
    '*Manufacturer: "OpenCDI"' '*Product: "(OpenCDI PDF)"' '*ModelName: "OpenCDI PDF printer"' \
    '*ShortNickName: "OpenCDI PDF"' '*NickName: "OpenCDI PDF printer"' \
    '*PSVersion: "(3010.000) 0"' '*LanguageLevel: "3"' '*ColorDevice: True' \
    '*DefaultColorSpace: RGB' '*FileSystem: False' '*Throughput: "1"' \
    '*LandscapeOrientation: Plus90' '*TTRasterizer: Type42' '*cupsVersion: 2.4' \
    '*cupsFilter2: "application/pdf application/vnd.cups-pdf 0 -"' \
    '*OpenUI *PageSize/Page Size: PickOne' '*OrderDependency: 10 AnySetup *PageSize' \
    '*DefaultPageSize: A4' '*PageSize A4/A4: "<</PageSize[595 842]>>setpagedevice"' \
    '*PageSize Letter/US Letter: "<</PageSize[612 792]>>setpagedevice"' '*CloseUI: *PageSize' \
    '*OpenUI *PageRegion/Page Region: PickOne' '*OrderDependency: 10 AnySetup *PageRegion' \
    '*DefaultPageRegion: A4' '*PageRegion A4/A4: "<</PageSize[595 842]>>setpagedevice"' \
    '*PageRegion Letter/US Letter: "<</PageSize[612 792]>>setpagedevice"' \
    '*CloseUI: *PageRegion' '*DefaultImageableArea: A4' '*ImageableArea A4/A4: "0 0 595 842"' \
    '*ImageableArea Letter/US Letter: "0 0 612 792"' '*DefaultPaperDimension: A4' \
    '*PaperDimension A4/A4: "595 842"' '*PaperDimension Letter/US Letter: "612 792"' \
    >"$dir/ppd/OpenCDI-PDF.ppd"
  # The backend: argv job user title copies options [file], the PDF on stdin when no file. Each
  # job becomes <UTC time>-job-<id>[-<title>].pdf, written under a hidden name and then renamed,
  # so the runtime never hands out half a PDF.
  {
    printf '#!/bin/bash\nout=%q\n' "$OPENCDI_PRINT_DIR"
    printf '%s\n' \
      'if [ $# -eq 0 ]; then echo "direct opencdi-pdf \"Unknown\" \"OpenCDI PDF\""; exit 0; fi' \
      '[ $# -ge 5 ] || { echo "ERROR: usage: opencdi-pdf job user title copies options [file]" >&2; exit 1; }' \
      'job=$(printf "%s" "$1" | LC_ALL=C tr -cd 0-9)' \
      'title=$(printf "%s" "$3" | LC_ALL=C sed -e "s/[^A-Za-z0-9._-]\{1,\}/-/g" -e "s/^[-.]*//" \' \
      '  | cut -c1-60 | LC_ALL=C sed -e "s/[-.]*$//")' \
      'name="$(date -u +%Y-%m-%dT%H-%M-%SZ)-job-${job:-0}${title:+-$title}.pdf"' \
      'partial="$out/.partial-$name"' \
      'umask 022' \
      'if [ -n "${6:-}" ]; then cat -- "$6" >"$partial"; else cat >"$partial"; fi \' \
      '  && chmod 644 "$partial" && mv -f "$partial" "$out/$name" \' \
      '  || { rm -f "$partial"; echo "ERROR: cannot write $name" >&2; exit 1; }' \
      'echo "INFO: printed to $name" >&2'
  } >"$dir/bin/backend/opencdi-pdf"
  chmod 755 "$dir/bin/backend/opencdi-pdf"
  export CUPS_SERVER="$dir/cups.sock"
  # Started again a second after it ends, like the watermark's program.
  (while :; do
    "$cupsd" -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" || log "cupsd ended ($?)"
    sleep 1
  done) &
  cups_pid=$!
  log "printer OpenCDI-PDF writes to $OPENCDI_PRINT_DIR (CUPS_SERVER $CUPS_SERVER)"
}

# Waits (at most 10 s) until the printer's scheduler answers, so that the session's first programs
# find it; a printer that does not come up is logged, never fatal.
await_printer() {
  [[ -n "$cups_pid" ]] || return 0
  for _ in $(seq 1 100); do
    if [[ -S "$CUPS_SERVER" ]] && { ! command -v lpstat >/dev/null || lpstat -r >/dev/null 2>&1; }; then
      return 0
    fi
    sleep 0.1
  done
  log "warning: the printer's cupsd did not answer in 10 s (its log: ${CUPS_SERVER%/*}/log)"
}

# Desktop sound (ADR 0044): a PulseAudio of the session's user with two null sinks, opencdi (48 kHz
# stereo, the default sink: what programs play) and opencdi_mic (mono; its monitor is the default
# source, so programs recording the microphone hear what is written into it), its native socket in
# the private runtime directory. The runtime reaches the sound through two Unix sockets in raw PCM:
# parec and pacat with short latencies, as PulseAudio's simple protocol module buffers about 250 ms.
# Every part is started again a second after it ends, like cupsd. Exports PULSE_SERVER; does
# nothing when OPENCDI_AUDIO_SOCKET is unset or PulseAudio is missing.
audio_pids=()
start_audio() {
  [[ -n "${OPENCDI_AUDIO_SOCKET:-}" || -n "${OPENCDI_AUDIO_TCP:-}" ]] || return 0
  local sound_at mic_at="" ipv4='^([0-9]{1,3}\.){3}[0-9]{1,3}' prefix='/([89]|[12][0-9]|3[0-2])'
  if [[ -n "${OPENCDI_AUDIO_TCP:-}" ]]; then
    # Served on the sandbox's own address to the runtime's end of its link alone, or in a Pod to
    # the agent pods' range (socat's range): nothing else on that link, and no other desktop, is
    # answered. Never to everybody: no range wider than /8.
    if ! [[ "${OPENCDI_AUDIO_PEER:-}" =~ $ipv4($prefix)?$ && "$OPENCDI_AUDIO_TCP" =~ $ipv4:[0-9]{1,5}$ \
      && ( -z "${OPENCDI_MIC_TCP:-}" || "$OPENCDI_MIC_TCP" =~ $ipv4:[0-9]{1,5}$ ) ]]; then
      log "warning: no sound: OPENCDI_AUDIO_TCP and OPENCDI_MIC_TCP must be IPv4:PORT and OPENCDI_AUDIO_PEER an IPv4 address or range from /8 to /32"
      return 0
    fi
    local peer="$OPENCDI_AUDIO_PEER"
    [[ "$peer" == */* ]] || peer="$peer/32"
    local tcp="reuseaddr,fork,range=$peer"
    sound_at="TCP4-LISTEN:${OPENCDI_AUDIO_TCP##*:},bind=${OPENCDI_AUDIO_TCP%:*},$tcp"
    [[ -z "${OPENCDI_MIC_TCP:-}" ]] \
      || mic_at="TCP4-LISTEN:${OPENCDI_MIC_TCP##*:},bind=${OPENCDI_MIC_TCP%:*},$tcp"
  else
    sound_at="UNIX-LISTEN:$OPENCDI_AUDIO_SOCKET,mode=600,unlink-early,fork"
    [[ -z "${OPENCDI_MIC_SOCKET:-}" ]] \
      || mic_at="UNIX-LISTEN:$OPENCDI_MIC_SOCKET,mode=600,unlink-early,fork"
  fi
  local tool
  for tool in pulseaudio parec pacat socat; do
    if ! command -v "$tool" >/dev/null; then
      log "warning: no sound: $tool is not installed (Debian: pulseaudio pulseaudio-utils socat)"
      return 0
    fi
  done
  local dir="$XDG_RUNTIME_DIR/pulse"
  rm -rf "$dir"
  if ! mkdir -m 700 "$dir"; then
    log "warning: no sound: cannot make $dir"
    return 0
  fi
  # Anonymous clients: only the session's user can enter the directory of the socket.
  printf '%s\n' \
    "load-module module-native-protocol-unix auth-anonymous=1 socket=$dir/native" \
    "load-module module-null-sink sink_name=opencdi rate=48000 channels=2 sink_properties=device.description=OpenCDI" \
    "load-module module-null-sink sink_name=opencdi_mic rate=48000 channels=1 sink_properties=device.description=OpenCDI-microphone" \
    "set-default-sink opencdi" \
    "set-default-source opencdi_mic.monitor" >"$dir/opencdi.pa"
  export PULSE_SERVER="unix:$dir/native"
  # Its state and cookie go with the session.
  export PULSE_STATE_PATH="$dir/state" PULSE_RUNTIME_PATH="$dir" PULSE_COOKIE="$dir/cookie"
  (while :; do
    pulseaudio -n -F "$dir/opencdi.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no \
      --system=no --realtime=no --high-priority=no \
      --log-target=stderr --log-level=warning || log "pulseaudio ended ($?)"
    sleep 1
  done) &
  audio_pids+=($!)
  local pcm="--raw --rate=48000 --format=s16le"
  (while :; do
    socat "$sound_at" \
      EXEC:"parec $pcm --channels=2 --latency-msec=10 -d opencdi.monitor" \
      || log "the sound socket's socat ended ($?)"
    sleep 1
  done) &
  audio_pids+=($!)
  if [[ -n "$mic_at" ]]; then
    (while :; do
      socat "$mic_at" \
        EXEC:"pacat --playback $pcm --channels=1 --latency-msec=20 -d opencdi_mic" \
        || log "the microphone socket's socat ended ($?)"
      sleep 1
    done) &
    audio_pids+=($!)
  fi
  log "sound on ${sound_at%%,*}${mic_at:+, microphone on ${mic_at%%,*}} (PULSE_SERVER $PULSE_SERVER)"
}

pids=()
stopping=false

shutdown() {
  local code="$1"
  $stopping && return
  stopping=true
  log "stopping (exit $code)"
  local pid
  # Session and window manager first, Xvnc last, so clients see their display go away cleanly.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null; done
  # Applications the session started (the terminal under openbox) share our process group.
  trap '' TERM
  kill -TERM 0 2>/dev/null
  # jobs -rp lists children still running (kill -0 would also see reaped-but-unwaited zombies).
  for _ in $(seq 1 50); do
    [[ -z "$(jobs -rp)" ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  exit "$code"
}

run() {
  validate
  mkdir -p "$HOME" || die "cannot create HOME $HOME"
  cd "$HOME" || die "cannot enter HOME $HOME"
  export DISPLAY=":$display"
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/opencdi-runtime-$(id -u)-$display}"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  # In a fresh /tmp (a sandbox, a pod without the image's directory) Xvnc, not being root,
  # does not create the X socket directory itself.
  [[ -d /tmp/.X11-unix ]] || { mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix; }
  # Terminals need a usable login shell; the desktop user may have none (nobody).
  [[ -x "${SHELL:-}" && "${SHELL:-}" != */nologin && "${SHELL:-}" != */false ]] \
    || export SHELL=/bin/bash
  trap 'shutdown 0' TERM INT

  # Only holders of the cookie may open the display (other local users, other desktops cannot).
  export XAUTHORITY="${XAUTHORITY:-$HOME/.Xauthority}"
  rm -f "$XAUTHORITY" && (umask 077 && : >"$XAUTHORITY") \
    || die "cannot write the X authority file $XAUTHORITY"
  xauth -q -f "$XAUTHORITY" add ":$display" . "$(mcookie)" \
    || die "cannot add a cookie to $XAUTHORITY"

  local xvnc_args=(":$display" -geometry "$geometry" -depth "$depth"
    -desktop "$desktop_name" -SecurityTypes "$security" -AlwaysShared -nolisten tcp
    -auth "$XAUTHORITY" -AcceptSetDesktopSize
    -BlacklistThreshold "${OPENCDI_VNC_BLACKLIST_THRESHOLD:-1000000}")
  local rfb_at="$listen:$port"
  if [[ -n "$unix_socket" ]]; then
    rm -f "$unix_socket"
    xvnc_args+=(-rfbport -1 -rfbunixpath "$unix_socket" -rfbunixmode 0600)
    rfb_at="$unix_socket (no TCP port)"
  elif [[ "$listen" == "127.0.0.1" || "$listen" == "::1" ]]; then
    xvnc_args+=(-rfbport "$port" -localhost -interface "$listen")
  elif [[ "$listen" != "0.0.0.0" ]]; then
    xvnc_args+=(-rfbport "$port" -interface "$listen")
  else
    xvnc_args+=(-rfbport "$port")
  fi
  [[ "$security" == VncAuth ]] && xvnc_args+=(-PasswordFile "$OPENCDI_VNC_PASSWORD_FILE")

  # The printer and the sound start while Xvnc does; the session waits for the printer.
  start_printer
  start_audio

  log "Xvnc on display :$display, RFB on $rfb_at, $geometry, session $session, HOME $HOME"
  Xvnc "${xvnc_args[@]}" &
  pids+=($!)

  # The window manager needs the X server's socket; Xvnc creates it in a few ms.
  for _ in $(seq 1 100); do
    [[ -S "/tmp/.X11-unix/X$display" ]] && break
    kill -0 "${pids[0]}" 2>/dev/null || { log "Xvnc exited during start-up"; shutdown 1; }
    sleep 0.05
  done
  [[ -S "/tmp/.X11-unix/X$display" ]] || { log "Xvnc made no X socket in 5 s"; shutdown 1; }

  # Xvnc keeps the image's own programs and libraries; the session and its applications get the
  # layers.
  compose_layers overlay
  await_printer

  # The terminal is the desktop's first application; closing it does not end the desktop. It
  # starts once the window manager manages the screen, so that it gets the keyboard focus.
  local terminal="xterm -geometry 100x30+40+40 -title terminal"
  command -v xterm >/dev/null || terminal=""
  if [[ "$session" == xfce ]]; then
    if command -v dbus-launch >/dev/null; then
      dbus-launch --exit-with-session xfce4-session &
    else
      xfce4-session &
    fi
    pids+=($!)
    if [[ -n "$terminal" ]]; then
      (sleep 2 && exec $terminal) &
      pids+=($!)
    fi
  elif [[ -n "$terminal" ]]; then
    openbox --sm-disable --startup "$terminal" &
    pids+=($!)
  else
    openbox --sm-disable &
    pids+=($!)
  fi

  # The template's watermark, when the runtime gives the desktop a file for one: its program is
  # started again a second after it ends, so a user who closes it (xkill) gets it back.
  if [[ -n "${OPENCDI_WATERMARK_FILE:-}" ]]; then
    if command -v python3 >/dev/null && python3 -c 'import Xlib.ext.shape' 2>/dev/null; then
      (while :; do
        python3 -c "$WATERMARK_PROGRAM" "$OPENCDI_WATERMARK_FILE" || log "watermark program ended ($?)"
        sleep 1
      done) &
    else
      log "warning: no watermark can be drawn: python3-xlib is not installed"
    fi
  fi

  # Xvnc and the window manager are the desktop: when either ends, the desktop ends.
  while true; do
    wait -n "${pids[0]}" "${pids[1]}"
    local code=$?
    $stopping && exit 0
    if ! kill -0 "${pids[0]}" 2>/dev/null || ! kill -0 "${pids[1]}" 2>/dev/null; then
      log "Xvnc or the window manager exited ($code)"
      shutdown 1
    fi
  done
}

case "${1:-run}" in
  run) run ;;
  # A Unix socket's banner is read by the agent itself; here only the socket's presence.
  health) if [[ -n "$unix_socket" ]]; then [[ -S "$unix_socket" ]]; else rfb_banner "$listen"; fi ;;
  layers)
    compose_layers paths
    printf 'PATH=%s\nLD_LIBRARY_PATH=%s\nXDG_DATA_DIRS=%s\n' \
      "$PATH" "${LD_LIBRARY_PATH:-}" "${XDG_DATA_DIRS:-}" ;;
  -h | --help) sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: entrypoint.sh [run|health|layers]" >&2; exit 2 ;;
esac
