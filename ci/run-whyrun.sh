#!/usr/bin/env bash
# Runs `whyrun check` as a CI gate, the check step of the GitHub Action (action.yml), of the
# GitLab template (whyrun.gitlab-ci.yml) and of the pre-commit hook's documentation
# (docs/ci.md): checks the binaries against the targets, writes the report in the asked
# format (and SARIF for code scanning when asked), prints the human report to the log, and
# exits with the code of `whyrun check --fail-on`, so the job fails exactly when the team
# said it should.
#
# Environment (the Action's inputs and the template's variables):
#   WHYRUN_PATHS    binaries to check, separated by spaces or newlines; a `*`, `?` or
#                   `[…]` in a path's last part is expanded by whyrun      (required)
#   WHYRUN_TARGETS  targets (`debian-12`, `alpine-3.19@arm64`, a snapshot file, `all`),
#                   separated by spaces, commas or newlines (default: whyrun's default)
#   WHYRUN_FAIL_ON  never | will-not-start | fails-at-run-time | cannot-tell | risk
#                   (default: cannot-tell)
#   WHYRUN_FORMAT   human | json | sarif: the report file's format (default: human)
#   WHYRUN_REPORT   the report file (default: whyrun-report.txt, .json or .sarif)
#   WHYRUN_SARIF    also write SARIF to this file (default: none)
#   WHYRUN_ARGS     more arguments for `whyrun check`, split at spaces
#   WHYRUN_BIN      the whyrun to run (default: `whyrun` on PATH)
#
# Exit code: that of `whyrun check --fail-on WHYRUN_FAIL_ON` (0 pass, 1 fails, 2 bad input,
# 3 cannot tell, 4 will not build). On GitHub Actions, the outputs exit-code, report and
# sarif go to GITHUB_OUTPUT.
set -euo pipefail
set -f # paths and targets reach whyrun unexpanded

die() { echo "run-whyrun: $*" >&2; exit 2; }
bin=${WHYRUN_BIN:-whyrun}
fail_on=${WHYRUN_FAIL_ON:-cannot-tell}
format=${WHYRUN_FORMAT:-human}
case "$fail_on" in
  never | will-not-start | fails-at-run-time | cannot-tell | risk) ;;
  *) die "fail-on must be never, will-not-start, fails-at-run-time, cannot-tell or risk, not '$fail_on'" ;;
esac
case "$format" in
  human) ext=txt ;;
  json | sarif) ext=$format ;;
  *) die "format must be human, json or sarif, not '$format'" ;;
esac
report=${WHYRUN_REPORT:-whyrun-report.$ext}
command -v "$bin" >/dev/null 2>&1 || die "cannot find $bin (install it first: ci/install-whyrun.sh)"

read -ra paths <<<"$(printf '%s' "${WHYRUN_PATHS:-}" | tr '\n\t' '  ')"
[ ${#paths[@]} -gt 0 ] || die "WHYRUN_PATHS is empty: name the binaries to check"
args=(check "${paths[@]}")
read -ra targets <<<"$(printf '%s' "${WHYRUN_TARGETS:-}" | tr '\n\t,' '   ')"
for t in "${targets[@]}"; do
  args+=(--target "$t")
done
read -ra extra <<<"${WHYRUN_ARGS:-}"
args+=("${extra[@]}")

# The gate: the report in the asked format, with --fail-on.
code=0
"$bin" "${args[@]}" --format "$format" --fail-on "$fail_on" >"$report" || code=$?
if [ "$format" = human ]; then
  cat "$report"
else
  # The log gets the human report too; its exit code is the gate's, already known.
  "$bin" "${args[@]}" --format human --fail-on never || true
fi
if [ -n "${WHYRUN_SARIF:-}" ] && [ "$WHYRUN_SARIF" != "$report" ]; then
  "$bin" "${args[@]}" --format sarif --fail-on never >"$WHYRUN_SARIF" || true
fi

echo "run-whyrun: whyrun check --fail-on $fail_on exited $code; report in $report" >&2
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "report=$report"
    echo "sarif=${WHYRUN_SARIF:-}"
  } >>"$GITHUB_OUTPUT"
fi
exit "$code"
