#!/usr/bin/env bash
# Build a .deb from the PyInstaller one-folder bundle in dist/complaintdesk:
# the program under /opt/complaintdesk, a launcher in /usr/bin, a desktop entry and an icon.
#   packaging/linux/build_deb.sh [DIST_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIST="${1:-$ROOT/dist/complaintdesk}"
OUT="${2:-$ROOT/dist}"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/desktop/__init__.py")"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
[ -x "$DIST/complaintdesk" ] || { echo "No bundle at $DIST: run 'make package' first" >&2; exit 1; }

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
install -d "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" \
  "$STAGE/usr/share/applications" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/complaintdesk"
cp -a "$DIST" "$STAGE/opt/complaintdesk"
ln -s /opt/complaintdesk/complaintdesk "$STAGE/usr/bin/complaintdesk"
install -m 644 "$ROOT/packaging/linux/complaintdesk.desktop" "$STAGE/usr/share/applications/"
install -m 644 "$ROOT/desktop/resources/icon.png" \
  "$STAGE/usr/share/icons/hicolor/256x256/apps/complaintdesk.png"
install -m 644 "$ROOT/desktop/resources/icon.svg" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps/complaintdesk.svg"
install -m 644 "$ROOT/desktop/resources/LICENSES.md" "$STAGE/usr/share/doc/complaintdesk/copyright"
SIZE_KB="$(du -sk "$STAGE/opt" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" \
  "$ROOT/packaging/linux/control.in" > "$STAGE/DEBIAN/control"
install -m 755 "$ROOT/packaging/linux/postinst" "$ROOT/packaging/linux/postrm" "$STAGE/DEBIAN/"
mkdir -p "$OUT"
DEB="$OUT/complaintdesk_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
