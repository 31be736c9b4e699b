#!/usr/bin/env bash
# Whole-process comparison: `provenant audit` against the glue a team would write instead
# (benches/glue/audit.sh: git, jq, ansible-inventory, awk, sha256sum), on an estate written by
# `cargo run --release --example estate`. Both are timed with GNU time (wall time, peak RSS),
# their PV001/PV002/PV005 counts are checked against each other and against what the generator
# says a correct audit finds, and the ratio is printed. See docs/performance.md.
#
#   benches/whole-audit-vs-glue.sh                # the full estate: 50,000 commits, 10,000 hosts,
#                                                 # 1,000 states (50,000 instances), 5,000 reports
#   benches/whole-audit-vs-glue.sh DIR            # an estate already generated in DIR
#   benches/whole-audit-vs-glue.sh --growth       # three sizes each of commits, hosts and states
#
# Environment: BENCH_DIR (default /tmp/provenant-bench; estates are generated there once and
# reused), SEED (42), RUNS (1: runs of each command, median shown), GLUE (1; 0 skips the glue in
# --growth), COMMITS, HOSTS, STATES, REPORTS (sizes of the single comparison).
#
# Tools: git, jq and GNU time (/usr/bin/time) must be installed; on Debian `apt-get install jq
# time` brings the last two (this script does not install anything). ansible-inventory comes
# from ../shared/tools/setup-oracles.sh: run it once, then `source /tmp/oracles/env.sh`.
# provenant runs cold (`--no-cache`) when it has a git index cache, and once more warm with a
# cache of its own under BENCH_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
bench_dir="${BENCH_DIR:-/tmp/provenant-bench}"
seed="${SEED:-42}"
runs="${RUNS:-1}"

for tool in git jq /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install jq time" >&2; exit 2; }
done
if ! command -v ansible-inventory >/dev/null && [ -f /tmp/oracles/env.sh ]; then
    # shellcheck disable=SC1091
    source /tmp/oracles/env.sh
fi
command -v ansible-inventory >/dev/null ||
    { echo "missing ansible-inventory: run ../shared/tools/setup-oracles.sh, then source /tmp/oracles/env.sh" >&2; exit 2; }

cargo build --release --quiet
cargo build --release --quiet --example estate
# A copy, so that a build in the shared target directory cannot swap the binary mid-run.
mkdir -p "$bench_dir"
cp "$root/target/release/provenant" "$bench_dir/provenant"
provenant="$bench_dir/provenant"
help=$("$provenant" audit --help)
has_flag() { grep -q -- "$1" <<<"$help"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM; $(git --version); $(jq --version);" \
    "$(ansible-inventory --version 2>/dev/null | sed -n 1p); load:$(uptime | sed 's/.*load average://')"
echo "provenant: $("$provenant" --version) built from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' with uncommitted changes')"

# estate DIR COMMITS HOSTS STATES REPORTS: generates DIR unless it holds an estate.
estate() {
    local dir=$1
    if [ ! -f "$dir/estate.json" ]; then
        rm -rf "$dir"
        "$root/target/release/examples/estate" --seed "$seed" --out "$dir" \
            --commits "$2" --hosts "$3" --states "$4" --reports "$5" >&2
    fi
}

# seconds and KiB from a GNU time -v file
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

provenant_args() {
    local args=(audit --repo repo --state states --inventory inventory/hosts.ini --facts facts
        --format json --quiet)
    if has_flag '--puppet <'; then args+=(--puppet puppet); fi
    printf '%s\n' "${args[@]}"
}

# run_provenant DIR OUT MODE(cold|warm): prints "seconds KiB"
run_provenant() {
    local dir=$1 out=$2 mode=$3 extra=()
    if has_flag '--no-cache'; then
        if [ "$mode" = cold ]; then extra=(--no-cache); else extra=(--cache-dir "$bench_dir/cache"); fi
    fi
    mapfile -t args < <(provenant_args)
    # Exit status 1 means findings, which the estate has.
    (cd "$dir" || exit 2
        /usr/bin/time -v "$provenant" "${args[@]}" "${extra[@]}" --output "$out" 2>"$out.time" ||
            [ $? -eq 1 ])
    echo "$(wall "$out.time") $(rss "$out.time")"
}

# run_glue DIR OUT: prints "seconds KiB"
run_glue() {
    local dir=$1 out=$2 puppet=()
    if has_flag '--puppet <'; then puppet=(--puppet puppet); fi
    (cd "$dir" && /usr/bin/time -v "$root/benches/glue/audit.sh" --repo repo --state states \
        --inventory inventory/hosts.ini --facts facts "${puppet[@]}" >"$out" 2>"$out.time")
    echo "$(wall "$out.time") $(rss "$out.time")"
}

provenant_counts() { jq -r '[.findings[].rule_id] as $r | ["PV001", "PV002", "PV005"] | map(. as $id | $r | map(select(. == $id)) | length) | join(" ")' "$1"; }
glue_counts() { awk '/^PV00[125] / { c[$1] = $2 } END { print c["PV001"] + 0, c["PV002"] + 0, c["PV005"] + 0 }' "$1"; }
expected_counts() {
    local part=without_puppet
    if has_flag '--puppet <'; then part=all; fi
    jq -r ".expected.$part | \"\(.PV001) \(.PV002) \(.PV005)\"" "$1/estate.json"
}

# compare DIR: times both RUNS times (interleaved), prints the figures and the ratio.
compare() {
    local dir=$1 out="$bench_dir/out" p=() g=() w=() _
    mkdir -p "$out"
    for _ in $(seq "$runs"); do
        p+=("$(run_provenant "$dir" "$out/provenant.json" cold)")
        if [ "${GLUE:-1}" != 0 ]; then g+=("$(run_glue "$dir" "$out/glue.txt")"); fi
    done
    if has_flag '--no-cache'; then
        rm -rf "$bench_dir/cache"
        run_provenant "$dir" "$out/provenant-warm.json" warm >/dev/null # fills the cache
        for _ in $(seq "$runs"); do w+=("$(run_provenant "$dir" "$out/provenant-warm.json" warm)"); done
    fi
    local ps pr gs gr ws wr
    ps=$(printf '%s\n' "${p[@]}" | cut -d' ' -f1 | median)
    pr=$(printf '%s\n' "${p[@]}" | cut -d' ' -f2 | median)
    echo "estate: $dir ($(jq -c '{commits, hosts, states, resource_instances, reports}' "$dir/estate.json"))"
    echo "  findings PV001 PV002 PV005: expected $(expected_counts "$dir");" \
        "provenant $(provenant_counts "$out/provenant.json")$([ ${#g[@]} -gt 0 ] && echo "; glue $(glue_counts "$out/glue.txt")")"
    printf '  %-30s %9.2f s %8.0f MiB   runs: %s\n' "provenant audit (cold)" "$ps" "$((pr / 1024))" \
        "$(printf '%s\n' "${p[@]}" | cut -d' ' -f1 | tr '\n' ' ')"
    if [ ${#w[@]} -gt 0 ]; then
        ws=$(printf '%s\n' "${w[@]}" | cut -d' ' -f1 | median)
        wr=$(printf '%s\n' "${w[@]}" | cut -d' ' -f2 | median)
        printf '  %-30s %9.2f s %8.0f MiB\n' "provenant audit (warm cache)" "$ws" "$((wr / 1024))"
    fi
    if [ ${#g[@]} -gt 0 ]; then
        gs=$(printf '%s\n' "${g[@]}" | cut -d' ' -f1 | median)
        gr=$(printf '%s\n' "${g[@]}" | cut -d' ' -f2 | median)
        printf '  %-30s %9.2f s %8.0f MiB   runs: %s\n' "glue (benches/glue/audit.sh)" "$gs" "$((gr / 1024))" \
            "$(printf '%s\n' "${g[@]}" | cut -d' ' -f1 | tr '\n' ' ')"
        awk -v g="$gs" -v p="$ps" -v w="${ws:-0}" 'BEGIN {
            printf "  ratio glue / provenant: %.2f cold", g / p
            if (w > 0) printf ", %.2f warm", g / w
            printf "\n" }'
    fi
    if [ "$(provenant_counts "$out/provenant.json")" != "$(expected_counts "$dir")" ]; then
        echo "  provenant's counts differ from the expected counts" >&2
    fi
    if [ ${#g[@]} -gt 0 ] && [ "$(glue_counts "$out/glue.txt")" != "$(expected_counts "$dir")" ]; then
        echo "  the glue's counts differ from the expected counts" >&2
    fi
}

if [ "${1:-}" = --growth ]; then
    full="$bench_dir/estate-c50000-h10000-s1000"
    estate "$full" 50000 10000 1000 5000
    printf '%-8s %8s %6s %6s %11s %10s %8s %10s %8s %7s\n' \
        "varies" "commits" "hosts" "states" "instances" "provenant" "MiB" "glue" "MiB" "ratio"
    row() {
        local what=$1 c=$2 h=$3 s=$4 dir out pt gt=""
        dir="$bench_dir/estate-c$c-h$h-s$s"
        [ "$c-$h-$s" = 50000-10000-1000 ] && dir=$full
        estate "$dir" "$c" "$h" "$s" $((h / 2))
        out="$bench_dir/out-growth"
        mkdir -p "$out"
        pt=$(run_provenant "$dir" "$out/provenant.json" cold)
        if [ "${GLUE:-1}" != 0 ]; then gt=$(run_glue "$dir" "$out/glue.txt"); fi
        awk -v what="$what" -v c="$c" -v h="$h" -v s="$s" -v i="$((s * 50))" -v p="$pt" -v g="$gt" 'BEGIN {
            split(p, a, " "); split(g, b, " ")
            printf "%-8s %8d %6d %6d %11d %9.2fs %8.0f", what, c, h, s, i, a[1], a[2] / 1024
            if (g != "") printf " %9.2fs %8.0f %7.2f", b[1], b[2] / 1024, b[1] / a[1]
            printf "\n" }'
        if [ "$(provenant_counts "$out/provenant.json")" != "$(expected_counts "$dir")" ]; then
            echo "  provenant found $(provenant_counts "$out/provenant.json"), expected $(expected_counts "$dir")" >&2
        fi
        if [ -n "$gt" ] && [ "$(glue_counts "$out/glue.txt")" != "$(expected_counts "$dir")" ]; then
            echo "  the glue found $(glue_counts "$out/glue.txt"), expected $(expected_counts "$dir")" >&2
        fi
    }
    for c in 5000 20000 50000; do row commits "$c" 10000 1000; done
    for h in 1000 5000 10000; do row hosts 50000 "$h" 1000; done
    for s in 100 500 1000; do row states 50000 10000 "$s"; done
    exit 0
fi

if [ $# -gt 0 ]; then
    dir=$(cd "$1" && pwd)
else
    c="${COMMITS:-50000}" h="${HOSTS:-10000}" s="${STATES:-1000}" r="${REPORTS:-5000}"
    dir="$bench_dir/estate-c$c-h$h-s$s"
    [ "$r" = $((h / 2)) ] || dir="$dir-r$r"
    mkdir -p "$bench_dir"
    estate "$dir" "$c" "$h" "$s" "$r"
fi
compare "$dir"
