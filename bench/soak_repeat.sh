#!/usr/bin/env bash
# The CI soak test, run N times in a row (default 50): a flaky leak check shows up here.
# Not part of CI. Prints one line per run and the count of failed runs; keeps the output
# of failed runs in $OUT (default: a new temporary directory).
#
#     bench/soak_repeat.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
out=${OUT:-$(mktemp -d)}
failed=0
started=$(date +%s)
for i in $(seq 1 "$runs"); do
  if .venv/bin/python -m pytest -q -p no:cacheprovider tests/e2e/test_soak.py >"$out/run-$i.log" 2>&1; then
    echo "run $i: passed ($(tail -n 1 "$out/run-$i.log"))"
    rm "$out/run-$i.log"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED, see $out/run-$i.log"
  fi
done
echo "$runs runs, $failed failed, $(( $(date +%s) - started )) s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failed" -eq 0 ]
