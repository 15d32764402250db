#!/usr/bin/env bash
# Fails with the exit code fleet report merge recorded: 1 when an account failed, 2 when one drifted.
set -euo pipefail
dir=${PARAM_REPORT_DIR:-fleet-reports}
code=$(cat "$dir/exit-code")
case $code in
  0) echo "circleci-oidc/fleet-report: every account is fine" ;;
  1) echo "circleci-oidc/fleet-report: at least one account failed or was cancelled: see report.json" ;;
  2) echo "circleci-oidc/fleet-report: at least one account drifted from its stack: see report.json" ;;
esac
exit "$code"
