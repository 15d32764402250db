#!/usr/bin/env bash
# Runs one shard of circleci-oidc fleet up, slice CIRCLE_NODE_INDEX of CIRCLE_NODE_TOTAL, and writes its JSON
# report to PARAM_REPORT_DIR/report-<index>.json for fleet-report. Failed or drifted accounts are in the
# report, which fleet-report turns into the pipeline's verdict; a run that wrote no report fails here.
# CircleCI's shell runs with -e: turn it off to read the exit code of circleci-oidc.
set +e -uo pipefail
say() { printf 'circleci-oidc/fleet-up: %s\n' "$*"; }
if [ -z "${CIRCLE_NODE_INDEX:-}" ] || [ -z "${CIRCLE_NODE_TOTAL:-}" ]; then
  say "CIRCLE_NODE_INDEX and CIRCLE_NODE_TOTAL are not set: run this in a CircleCI job" >&2
  exit 1
fi
dir=${PARAM_REPORT_DIR:-fleet-reports}
mkdir -p "$dir"
report="$dir/report-$CIRCLE_NODE_INDEX.json"
# PARAM_ARGS is a list of flags, split on white space, never globbed.
set -f
# shellcheck disable=SC2206
extra=(${PARAM_ARGS:-})
set +f
say "shard $CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL: circleci-oidc fleet up ${extra[*]} --shard $CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL --json"
circleci-oidc fleet up "${extra[@]}" --shard "$CIRCLE_NODE_INDEX/$CIRCLE_NODE_TOTAL" --json > "$report"
code=$?
case $code in
  0) say "every account of the shard is fine; report in $report" ;;
  1|2)
    if [ -s "$report" ]; then
      say "some accounts failed or drifted (exit $code); report in $report, and fleet-report gives the verdict"
      code=0
    else
      rm -f "$report"
    fi ;;
  *) rm -f "$report" ;;
esac
exit $code
