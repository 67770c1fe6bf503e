#!/bin/bash
# Runs every shipped scenario (scenarios/*.yaml, the scaling policies, the labs' scenarios;
# diurnal-5k to 3 h) with two builds of `stratus` and compares every output file: summary.json
# without `wall_s`, report.html without its wall-time lines, the rest byte for byte (plots off).
# A change to the hot path must leave them identical.
#
#   benches/compare_outputs.sh OLD_STRATUS NEW_STRATUS [WORK_DIR]
set -u
OLD=$1; NEW=$2; W=${3:-/tmp/stratus-compare}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$W"; mkdir -p "$W"
fail=0
for f in "$ROOT"/scenarios/*.yaml "$ROOT"/scenarios/scaling-policies/*.yaml "$ROOT"/scenarios/labs/*.yaml; do
  n=$(basename "$(dirname "$f")")-$(basename "$f" .yaml)
  extra=()
  case $n in *diurnal-5k) extra=(--set duration=3h) ;; esac
  for side in old new; do
    bin=$OLD; [ $side = new ] && bin=$NEW
    (cd "$(dirname "$f")" && "$bin" run "$f" --out "$W/$side-$n" --quiet --no-plots "${extra[@]}" \
      >/dev/null 2>"$W/$side-$n.err"; echo $? >"$W/$side-$n.rc")
  done
  cmp -s "$W/old-$n.rc" "$W/new-$n.rc" || { echo "exit codes differ: $n"; fail=1; }
  [ -d "$W/old-$n" ] || continue
  for o in "$W/old-$n"/*; do
    b=$(basename "$o"); p=$W/new-$n/$b
    case $b in
      summary.json) diff -q <(grep -v wall_s "$o") <(grep -v wall_s "$p") >/dev/null ;;
      report.html) diff -q <(grep -v wall "$o") <(grep -v wall "$p") >/dev/null ;;
      *) cmp -s "$o" "$p" ;;
    esac || { echo "differs: $n/$b"; fail=1; }
  done
  [ "$(ls "$W/old-$n" | wc -l)" = "$(ls "$W/new-$n" 2>/dev/null | wc -l)" ] || { echo "files differ: $n"; fail=1; }
  echo "compared $n"
done
[ $fail = 0 ] && echo "ALL IDENTICAL" || { echo "SOME DIFFER"; exit 1; }
