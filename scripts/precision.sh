#!/usr/bin/env bash
# Precision and recall per rule family on the labelled corpus (benches/corpus),
# for one stackaudit binary or two side by side. docs/precision.md explains the
# corpus, what a label means and the latest figures.
#
#   scripts/precision.sh                                   # target/debug/stackaudit
#   SA=target/release/stackaudit scripts/precision.sh
#   BEFORE=/tmp/stackaudit-main SA=target/debug/stackaudit scripts/precision.sh
#   scripts/precision.sh nginx-debian openresty-gateway    # some projects only
#   DETAILS=1 WORK=/tmp/precision scripts/precision.sh     # also list skips and
#                                                          # true positives, keep
#                                                          # copies and reports
#
# Each project is copied to a scratch folder and made a git work tree there
# (git-tracked.txt lists files committed although .gitignore matches them),
# then scanned with `stackaudit scan . --format json` with a fixed fingerprint
# key and no reachable Docker engine, so the figures do not depend on the
# machine. Needs python3 (3.11+, standard library only) and git.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SA=${SA:-$ROOT/target/debug/stackaudit}
BEFORE=${BEFORE:-}
CORPUS=${CORPUS:-$ROOT/benches/corpus}

for tool in python3 git; do
  command -v "$tool" >/dev/null || { echo "precision.sh: $tool is needed" >&2; exit 2; }
done
args=(--corpus "$CORPUS")
if [[ -n "$BEFORE" ]]; then
  [[ -x "$BEFORE" ]] || { echo "precision.sh: BEFORE=$BEFORE is not an executable" >&2; exit 2; }
  args+=(--binary "before=$BEFORE")
fi
[[ -x "$SA" ]] || { echo "precision.sh: SA=$SA is not an executable (cargo build first)" >&2; exit 2; }
args+=(--binary "$([[ -n "$BEFORE" ]] && echo after || echo stackaudit)=$SA")
[[ -n "${WORK:-}" ]] && args+=(--work "$WORK")
[[ -n "${DETAILS:-}" ]] && args+=(--details)

exec python3 "$ROOT/scripts/precision.py" "${args[@]}" "$@"
