#!/usr/bin/env bash
# `make release` on the Linux build machine: the .deb (make package) and the source archive of
# the committed tree, their SHA-256 sums, and the checklist of what only Windows can do.
#   packaging/release.sh        (after `make package`; the Makefile runs both)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop/__init__.py)"
[ -n "$VERSION" ] || { echo "no __version__ in desktop/__init__.py" >&2; exit 1; }
grep -q "^## \[$VERSION\]" CHANGELOG.md || {
  echo "CHANGELOG.md has no section \"## [$VERSION]\": write what this release changes first" >&2
  exit 1; }

if ! git diff --quiet HEAD -- 2>/dev/null; then
  echo "note: uncommitted changes are NOT in the source archive (it is made from HEAD)" >&2
fi
mkdir -p dist
SRC="dist/complaintdesk-$VERSION.tar.gz"
git archive --format=tar.gz --prefix="complaintdesk-$VERSION/" -o "$SRC" HEAD
DEB="$(ls dist/complaintdesk_"$VERSION"_*.deb 2>/dev/null | head -n 1 || true)"
[ -n "$DEB" ] || echo "warning: no .deb for $VERSION in dist/ (dpkg-deb missing?)" >&2
(cd dist && sha256sum "$(basename "$SRC")" ${DEB:+"$(basename "$DEB")"} > "SHA256SUMS-$VERSION-linux")

cat <<CHECKLIST

Linux release $VERSION:
  $SRC
  ${DEB:-(no .deb)}
  dist/SHA256SUMS-$VERSION-linux

Windows side (cannot be built here: PyInstaller does not cross-compile):
  [ ] git tag v$VERSION && git push origin v$VERSION
      (runs .github/workflows/windows.yml and linux.yml; or Actions -> windows -> Run
      workflow, with "libreoffice" ticked so the PDF step runs too)
  [ ] the windows workflow is green: tests, PyInstaller, Inno Setup, install_check.ps1
      (silent install, --version, init, demo --cases 200, check, --smoke, form to PDF,
      upgrade over itself with data kept, silent uninstall keeping the data folder)
  [ ] download the artifact complaintdesk-windows: ComplaintDesk-$VERSION-setup.exe and
      ComplaintDesk-$VERSION-portable-win64.zip; write their SHA-256 sums next to them
  [ ] on one real branch PC (Windows 10/11, 125 % or 150 % display) before the other
      nineteen: install from the USB stick (/VERYSILENT /SUPPRESSMSGBOXES /NORESTART),
      start from the Start menu, open a case, print form A on the office printer (with and
      without Word/WPS), export the ledger, check nothing is cut off on screen
  [ ] over an earlier version on that PC: install, the cases are still there, 'check' passes
  [ ] CHANGELOG.md: replace "not released yet" with today's date; commit
CHECKLIST
