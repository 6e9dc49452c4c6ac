#!/usr/bin/env bash
# Run a built ComplaintDesk the way an installer check would: version, a fresh data folder
# (init + check), the main window once offscreen (--smoke), and an old (schema 1) data folder
# opened by this build (migrated with a backup first).
#   packaging/smoke.sh PROGRAM
set -euo pipefail
PROG="${1:?usage: smoke.sh PROGRAM}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen

echo "== $PROG --version"
"$PROG" --version

echo "== init + check on a fresh data folder"
"$PROG" --data-dir "$WORK/fresh" init --site CI01 --name "CI 测试店"
"$PROG" --data-dir "$WORK/fresh" check

echo "== --smoke: the main window, painted once, offscreen"
"$PROG" --data-dir "$WORK/fresh" --smoke

FIXTURE="$ROOT/tests/fixtures/schema1"
if [ -d "$FIXTURE" ]; then
  echo "== an old data folder (schema 1) opened by this build"
  cp -r "$FIXTURE" "$WORK/old"
  "$PROG" --data-dir "$WORK/old" check
  ls "$WORK/old/backups" | grep -q . || { echo "no backup made before migrating" >&2; exit 1; }
fi
echo "smoke: all passed"
