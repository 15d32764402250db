#!/usr/bin/env bash
# Joins the shard reports in PARAM_REPORT_DIR into PARAM_REPORT_DIR/report.json and records fleet's exit code
# for the verdict step, which runs after the reports are stored as artifacts.
# CircleCI's shell runs with -e: turn it off to read the exit code of circleci-oidc.
set +e -uo pipefail
say() { printf 'circleci-oidc/fleet-report: %s\n' "$*"; }
dir=${PARAM_REPORT_DIR:-fleet-reports}
shopt -s nullglob
reports=("$dir"/report-*.json)
if [ ${#reports[@]} -eq 0 ]; then
  say "no shard reports in $dir: did fleet-up run, and persist to this workspace?" >&2
  exit 1
fi
circleci-oidc fleet report merge "${reports[@]}" > "$dir/report.json"
code=$?
echo "$code" > "$dir/exit-code"
say "merged ${#reports[@]} shard reports into $dir/report.json (exit $code)"
[ "$code" -le 2 ] || exit "$code"
exit 0
