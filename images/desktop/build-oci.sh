#!/usr/bin/env bash
# Builds the desktop image as an OCI image layout from Debian's own packages, with no container
# engine and no registry: mmdebstrap makes the root file system, umoci makes the image. The
# packages, user, files and configuration are the Dockerfile's (DesktopImageRecipeTest compares
# the package lists).
#
#   images/desktop/build-oci.sh [--session openbox|xfce] [--mirror URL] LAYOUT_DIR
#
# The image is LAYOUT_DIR:<session>, e.g. `umoci unpack --image out/desktop:openbox bundle`.
# Needs root (mmdebstrap's root mode; umoci keeps the files' owners) and Debian's mmdebstrap and
# umoci. Differences from the Dockerfile: the suite is bookworm as the mirror has it today, not
# the pinned 12.11 point release, and the HEALTHCHECK is Docker's, not OCI's (the kubelet's probes
# use the same `opencdi-entrypoint health`).
set -euo pipefail

session=openbox
mirror=http://deb.debian.org/debian
while [ $# -gt 1 ]; do
  case "$1" in
    --session) session=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--session openbox|xfce] [--mirror URL] LAYOUT_DIR" >&2; exit 2; }
layout=$1

# The Dockerfile's packages: keep the two lists the same (a test compares them).
common_pkgs=(tigervnc-standalone-server xauth xterm x11-utils fonts-dejavu-core ca-certificates tini
  python3-xlib xfonts-base cups-daemon cups-client cups-filters pulseaudio pulseaudio-utils socat)
case "$session" in
  openbox) session_pkgs=(openbox) ;;
  xfce) session_pkgs=(xfce4 xfce4-terminal dbus-x11) ;;
  *) echo "--session must be openbox or xfce" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages=$(IFS=,; echo "${common_pkgs[*]},${session_pkgs[*]}")

# minbase is what debian:*-slim is made of (Essential, Priority required, apt); like the
# Dockerfile, no recommended packages. The hooks' "$1" is the root mmdebstrap passes them.
# shellcheck disable=SC2016
mmdebstrap --variant=minbase --aptopt='APT::Install-Recommends "false"' \
  --include="$packages" \
  --customize-hook='mkdir -p "$1/tmp/.X11-unix" && chmod 1777 "$1/tmp/.X11-unix"' \
  --customize-hook='chroot "$1" useradd --uid 1000 --user-group --create-home --home-dir /home/desktop --shell /bin/bash desktop' \
  --customize-hook="upload $here/entrypoint.sh /usr/local/bin/opencdi-entrypoint" \
  --customize-hook='chmod 0755 "$1/usr/local/bin/opencdi-entrypoint"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  bookworm "$work/rootfs.tar" "$mirror"

[ -f "$layout/index.json" ] || umoci init --layout "$layout"
umoci new --image "$layout:$session"
umoci unpack --image "$layout:$session" "$work/bundle"
tar -C "$work/bundle/rootfs" --numeric-owner -xpf "$work/rootfs.tar"
umoci repack --image "$layout:$session" "$work/bundle"
umoci config --image "$layout:$session" \
  --config.user 1000:1000 \
  --config.workingdir /home/desktop \
  --config.env HOME=/home/desktop \
  --config.env "OPENCDI_SESSION=$session" \
  --config.env OPENCDI_DISPLAY=1 \
  --config.env OPENCDI_VNC_PORT=5901 \
  --config.env OPENCDI_VNC_LISTEN=0.0.0.0 \
  --config.env OPENCDI_GEOMETRY=1280x800 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.volume /home/desktop \
  --config.exposedports 5901/tcp \
  --config.stopsignal SIGTERM \
  --config.entrypoint /usr/bin/tini --config.entrypoint -- \
  --config.entrypoint /usr/local/bin/opencdi-entrypoint \
  --config.cmd run
umoci gc --layout "$layout"
echo "built $layout:$session"
