#!/usr/bin/env bash
# Nightly segmentation: out/<day>/ holds the run, out/logs/<day>.log its JSON log lines.
# Extra arguments go to `segment run` (e.g. --set steps.cluster.k=6).
set -uo pipefail

PIPELINE=${PIPELINE:-examples/customers-nightly.yaml}
OUT_ROOT=${OUT_ROOT:-out}
DAY=${RUN_DATE:-$(date -u +%F)}                     # RUN_DATE=2026-12-06 reruns a given day
YESTERDAY=$(date -u -d "$DAY -1 day" +%F)           # GNU date (macOS: gdate)
OUT="$OUT_ROOT/$DAY"
LOG="$OUT_ROOT/logs/$DAY.log"
mkdir -p "$OUT_ROOT/logs"

args=(--out-dir "$OUT")
if [ -f "$OUT_ROOT/$YESTERDAY/model.json" ]; then
  args+=(--baseline "$OUT_ROOT/$YESTERDAY/model.json")  # keep yesterday's segment numbers and names
else
  echo "segment nightly $DAY: no model for $YESTERDAY, segments are numbered by size" >&2
fi

segment --log-format json run "$PIPELINE" "${args[@]}" "$@" 2>>"$LOG"
code=$?
case $code in
  0) ;;
  1) echo "segment nightly $DAY: a check failed (exit 1), see $LOG" >&2 ;;
  2) echo "segment nightly $DAY: usage error (exit 2): fix the pipeline or the job, see $LOG" >&2 ;;
  3) echo "segment nightly $DAY: data error (exit 3): input missing or unreadable, see $LOG" >&2 ;;
  *) echo "segment nightly $DAY: internal error (exit $code): report it with --debug, see $LOG" >&2 ;;
esac
exit $code
