# bench/ab_lib.sh: A/B timing of fresh `epintel tool` processes against a baseline binary in the
# same run, sourced by bench/reports.sh and bench/charts.sh:
#   . "$(dirname "$0")/ab_lib.sh"; ab_init DEFAULT_RUNS "$@"
# ab_init takes the scripts' arguments BASELINE_EPINTEL [NEW_EPINTEL] [runs]: $base, $new, $runs,
# $tmp (removed on exit) and one store per binary, each filled by it from the bundled dataset
# (not timed): a newer binary may migrate a store to a schema the baseline does not know.
here=$(cd "$(dirname "$0")/.." && pwd)
ab_init() {
  local default_runs=$1; shift
  base=$(realpath "$1")
  new=$(realpath "${2:-$here/build/release/epintel}")
  runs=${3:-$default_runs}
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" EPINTEL_NO_RESULT_CACHE=1
  "$base" --quiet --db "$tmp/a.db" info >/dev/null
  "$new" --quiet --db "$tmp/b.db" info >/dev/null
}
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# ab_time TOOL ARGS [files]: $runs fresh processes of each binary, alternately; the medians in $a
# and $b (microseconds). With files set, each run writes its files into $tmp/out.a or
# $tmp/out.b (emptied first, not timed).
ab_time() {
  local tool=$1 args=$2 files=${3:-} which bin t0 t1 i
  : > "$tmp/a"; : > "$tmp/b"
  for ((i = 0; i < runs; i++)); do
    for which in a b; do
      bin=$base; [ $which = b ] && bin=$new
      local out=()
      if [ -n "$files" ]; then
        rm -rf "$tmp/out.$which"; mkdir -p "$tmp/out.$which"; out=(--out-dir "$tmp/out.$which")
      fi
      t0=$(now)
      "$bin" --quiet --db "$tmp/$which.db" tool "$tool" "${out[@]}" --args "$args" >/dev/null 2>&1 || true
      t1=$(now)
      echo $(( (t1 - t0) / 1000 )) >> "$tmp/$which"
    done
  done
  a=$(median < "$tmp/a"); b=$(median < "$tmp/b")
}
# ab_row TOOL_WIDTH ARGS_WIDTH TOOL ARGS SAME: one row, the medians in ms and the ratio new/baseline
ab_row() {
  printf "%-${1}s %-${2}s %10.1f %10.1f %7.2f %5s\n" "$3" "${4:0:$2}" "$(echo "$a / 1000" | bc -l)" \
    "$(echo "$b / 1000" | bc -l)" "$(echo "$b / $a" | bc -l)" "$5"
}
