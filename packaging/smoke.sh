#!/usr/bin/env bash
# Run a built ComplaintDesk the way an installer check would: version, a fresh data folder
# (init + check), the main window once offscreen (--smoke), then the parts the bundle imports
# lazily (by name or with pkgutil, so a spec that forgot them builds fine and fails here):
# demo data, the main window over it, ledger export and import into a second folder (calamine),
# a printed form (Word template), the monthly report as .xlsx and .docx (report.docx), the
# to-do list; and an old (schema 1) data folder opened by this build (migrated, backup first).
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

is_zip() {  # a .docx/.xlsx that was really written (zip signature), not an empty file
  [ -s "$1" ] && [ "$(head -c 2 "$1")" = "PK" ] || { echo "not written: $1" >&2; exit 1; }
}

echo "== demo --cases 200, then the main window over it"
DEMO="$("$PROG" --data-dir "$WORK/fresh" demo --cases 200)"
echo "$DEMO" | tail -n 1
FIRST="$(echo "$DEMO" | sed -n 's/.*编号 \([A-Z0-9]*-[0-9]*-[0-9]*\) 至.*/\1/p' | head -n 1)"
[ -n "$FIRST" ] || { echo "demo did not say its first case number" >&2; exit 1; }
"$PROG" --data-dir "$WORK/fresh" --smoke

echo "== ledger export, then import into a second data folder (another site)"
"$PROG" --data-dir "$WORK/fresh" ledger export --full "$WORK/ledger.xlsx"
is_zip "$WORK/ledger.xlsx"
"$PROG" --data-dir "$WORK/hq" init --site HQ01 --name "CI 总部"
"$PROG" --data-dir "$WORK/hq" ledger import "$WORK/ledger.xlsx"  # 1 would mean rejected rows
"$PROG" --data-dir "$WORK/hq" check

echo "== a signed-in 客服经理: form A for $FIRST, this month's report (.xlsx, .docx), to-do"
export COMPLAINTDESK_NEW_PASSWORD="smoke-$$-Pw1" COMPLAINTDESK_PASSWORD="smoke-$$-Pw1"
"$PROG" --data-dir "$WORK/fresh" user add --name "CI 经理" --role 管理员 --role 客服经理 \
  ci </dev/null
AS=(--data-dir "$WORK/fresh" --user ci)
"$PROG" "${AS[@]}" form handling --case "$FIRST" --out "$WORK/handling.docx"
is_zip "$WORK/handling.docx"
MONTH="$(TZ=Asia/Shanghai date +%Y-%m)"
"$PROG" "${AS[@]}" report --period "$MONTH" --out "$WORK/report.xlsx"
is_zip "$WORK/report.xlsx"
"$PROG" "${AS[@]}" report --period "$MONTH" --out "$WORK/report.docx"
is_zip "$WORK/report.docx"
"$PROG" "${AS[@]}" todo --out "$WORK/todo.csv"
[ -s "$WORK/todo.csv" ] || { echo "todo wrote nothing" >&2; exit 1; }

echo "== scan import: a picture without a code is read (Pillow, zxing-cpp) and reported, exit 1"
ICON="$ROOT/ui/resources/nav-scans.png"
if [ -f "$ICON" ]; then
  set +e
  SCAN="$("$PROG" "${AS[@]}" scan import "$ICON" 2>&1)"
  CODE=$?
  set -e
  echo "$SCAN" | tail -n 2
  [ "$CODE" = 1 ] || { echo "scan import exited $CODE (want 1: a page not matched)" >&2; exit 1; }
fi

echo "== the office server's driver loads: a server nobody listens on is said plainly, exit 2"
set +e
SERVER="$("$PROG" --data-dir "$WORK/seat" --database postgresql://clerk@127.0.0.1:9/complaints check 2>&1)"
CODE=$?
set -e
echo "$SERVER" | tail -n 1
[ "$CODE" = 2 ] || { echo "check on an absent server exited $CODE (want 2)" >&2; exit 1; }
echo "$SERVER" | grep -q "无法连接数据库服务器" || { echo "no plain message for an absent server" >&2; exit 1; }

echo "== a headquarters-size ledger: its zip check runs in a child process of this build"
# Over 64 MB of sheet XML, the check runs in a process of its own beside the reading
# (ledger/check_ahead.py): the bundle starts itself as that child (multiprocessing in a
# frozen program, packaging/launcher.py). A child that cannot run falls back to checking
# first, silently and slower, so the trace says whether it ran: it opened the file and
# ended with 0.
"$PROG" --data-dir "$WORK/big" init --site SH02 --name "CI 大店" >/dev/null
"$PROG" --data-dir "$WORK/big" demo --cases 7000 >/dev/null
"$PROG" --data-dir "$WORK/big" ledger export --full "$WORK/big.xlsx" >/dev/null
"$PROG" --data-dir "$WORK/hq2" init --site HQ02 --name "CI 总部二" >/dev/null
if command -v strace >/dev/null 2>&1; then
  strace -f -qq --seccomp-bpf -e trace=execve,openat,exit_group -e signal=none \
    -o "$WORK/trace" "$PROG" --data-dir "$WORK/hq2" ledger import "$WORK/big.xlsx" | tail -n 1
  CHILD="$(grep -e '--multiprocessing-fork' "$WORK/trace" | head -n 1 | cut -d' ' -f1)"
  [ -n "$CHILD" ] || { echo "no check process was started for a big ledger" >&2; exit 1; }
  grep -q "^$CHILD .*openat(.*big.xlsx" "$WORK/trace" \
    || { echo "the check process never opened the ledger" >&2; exit 1; }
  grep -q "^$CHILD .*exit_group(0)" "$WORK/trace" \
    || { echo "the check process did not end with 0" >&2; exit 1; }
  echo "check process $CHILD opened the ledger and ended with 0"
else
  echo "(strace not installed: the import runs, whether its check process ran is not seen)"
  "$PROG" --data-dir "$WORK/hq2" ledger import "$WORK/big.xlsx" | tail -n 1
fi
"$PROG" --data-dir "$WORK/hq2" check >/dev/null

FIXTURE="$ROOT/tests/fixtures/schema1"
if [ -d "$FIXTURE" ]; then
  echo "== an old data folder (schema 1) opened by this build"
  cp -r "$FIXTURE" "$WORK/old"
  "$PROG" --data-dir "$WORK/old" check
  ls "$WORK/old/backups" | grep -q . || { echo "no backup made before migrating" >&2; exit 1; }
fi
echo "smoke: all passed"
