#!/usr/bin/env bash
# Runs circleci-oidc doctor --from-job: judges this job's own OIDC token against $AWS_ROLE_TRUST_POLICY, as STS
# would, and exits with doctor's code. The token goes from the environment to doctor and nowhere else: this
# script never prints it, and never traces its commands, even in a job whose shell does (-x, or set -x in
# $BASH_ENV): a traced `CIRCLE_OIDC_TOKEN_V2=$minted` would print the token.
# CircleCI's shell runs with -e: turn it off to read the exit code of circleci-oidc.
set +ex -uo pipefail
say() { printf 'circleci-oidc/doctor: %s\n' "$*"; }

args=(doctor --from-job)
[ "${PARAM_VERIFY:-true}" = true ] && args+=(--verify)
[ -n "${PARAM_ISSUER_URL:-}" ] && args+=(--issuer-url "$PARAM_ISSUER_URL")

# CircleCI sets the token variables only in jobs that use a context. As the aws-cli orb does, mint one with
# the organization as its audience when they are missing, and hand it to doctor alone.
if [ -z "${CIRCLE_OIDC_TOKEN_V2:-}" ] && [ -z "${CIRCLE_OIDC_TOKEN:-}" ] && command -v circleci >/dev/null 2>&1 &&
  [ -n "${CIRCLE_ORGANIZATION_ID:-}" ]; then
  say "no token in the environment: minting one with circleci run oidc get"
  if minted=$(circleci run oidc get --claims "{\"aud\":\"$CIRCLE_ORGANIZATION_ID\"}" 2>/dev/null); then
    CIRCLE_OIDC_TOKEN_V2=$minted circleci-oidc "${args[@]}"
    code=$?
  else
    say "circleci run oidc get failed; doctor says why it has no token"
    circleci-oidc "${args[@]}"
    code=$?
  fi
else
  circleci-oidc "${args[@]}"
  code=$?
fi
case $code in
  0) say "STS accepts this job's token for ${AWS_ROLE_ARN:-the role}: if the assume failed, look at the step that made it" ;;
  3) say "STS refuses this job's token for ${AWS_ROLE_ARN:-the role}: see the FAIL lines above" ;;
  4) say "STS's answer depends on the request, not only on the token: see the ?? lines above" ;;
  5) say "the policy accepts this job's token, but its signature was not checked (verify: false)" ;;
esac
exit $code
