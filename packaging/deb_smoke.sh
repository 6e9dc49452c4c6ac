#!/usr/bin/env bash
# Install the .deb on this machine (as root), run the installed program, then remove it and
# check that the data folder is left alone.   packaging/deb_smoke.sh dist/complaintdesk_*.deb
set -euo pipefail
DEB="${1:?usage: deb_smoke.sh FILE.deb}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "deb_smoke.sh needs root (dpkg -i)"; exit 1; }
dpkg -i "$DEB" >/dev/null
test -x /usr/bin/complaintdesk && test -f /usr/share/applications/complaintdesk.desktop
"$ROOT/packaging/smoke.sh" /usr/bin/complaintdesk
DATA="$(mktemp -d)"
export QT_QPA_PLATFORM=offscreen
/usr/bin/complaintdesk --data-dir "$DATA" init --site CI02 --name "卸载测试" >/dev/null
/usr/bin/complaintdesk --data-dir "$DATA" demo --cases 20 >/dev/null
# the package installed over itself (dpkg's upgrade path): same data, still opens
dpkg -i "$DEB" >/dev/null
/usr/bin/complaintdesk --data-dir "$DATA" check >/dev/null
/usr/bin/complaintdesk --data-dir "$DATA" --smoke 2>/dev/null
dpkg -r complaintdesk >/dev/null
test ! -e /opt/complaintdesk || { echo "/opt/complaintdesk left behind" >&2; exit 1; }
test ! -e /usr/bin/complaintdesk || { echo "/usr/bin/complaintdesk left behind" >&2; exit 1; }
test -f "$DATA/complaintdesk.sqlite3" || { echo "removal touched the data folder" >&2; exit 1; }
dpkg -P complaintdesk >/dev/null  # purge too: no trace in dpkg's database, data still kept
test -f "$DATA/complaintdesk.sqlite3" || { echo "purge touched the data folder" >&2; exit 1; }
rm -rf "$DATA"
echo "deb: installed, ran, reinstalled over itself, removed, purged; data kept"
