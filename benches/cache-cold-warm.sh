#!/usr/bin/env bash
# Times `provenant audit` on a generated history without the git index cache, with an empty
# one (cold), with an up-to-date one (warm), and after one new commit (warm + 1), as reported
# in docs/performance.md ("The git index cache").
#
#   benches/cache-cold-warm.sh            # the 50,000-commit repository of index-vs-git-log.sh
#   COMMITS=5000 RUNS=5 benches/cache-cold-warm.sh
#
# The generated repository ($BENCH_DIR/generated-$COMMITS.git, made by the index_vs_git_log
# bench when missing) is copied first, since new commits are added to it. Each figure is the
# median of $RUNS runs (default 3): wall time, CPU time (user + system, which a busy shared
# machine inflates less than wall time) and peak RSS, from /usr/bin/time; a "+1" run is
# preceded by a new commit on main that changes one Terraform file. Needs git and
# /usr/bin/time; builds in release.
set -euo pipefail

cd "$(dirname "$0")/.."
bench_dir="${BENCH_DIR:-/tmp/provenant-bench}"
commits="${COMMITS:-50000}"
runs="${RUNS:-3}"
source_repo="$bench_dir/generated-$commits.git"

cargo build --quiet --release --bin provenant
exe="$PWD/target/release/provenant"
if [ ! -d "$source_repo" ]; then
    mkdir -p "$bench_dir"
    cargo bench --quiet --bench index_vs_git_log -- generate "$source_repo" "$commits"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$source_repo" "$work/repo.git"
repo="$work/repo.git"
export GIT_DIR="$repo" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com

# One Terraform resource claiming main's tip: the audit has something to resolve.
mkdir -p "$work/state"
cat > "$work/state/prod.tfstate" <<EOF
{"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "bench",
 "resources": [{"mode": "managed", "type": "aws_instance", "name": "web",
   "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
   "instances": [{"attributes": {"id": "i-0bench", "tags": {"git_commit": "$(git rev-parse main)"}}}]}]}
EOF

n=0
new_commit() {
    n=$((n + 1))
    local blob tree commit
    blob=$(printf 'setting_bench = "value-%s"\n' "$n" | git hash-object -w --stdin)
    export GIT_INDEX_FILE="$work/index"
    git read-tree main
    git update-index --add --cacheinfo "100644,$blob,terraform/envs/prod/web/main.tf"
    tree=$(git write-tree)
    unset GIT_INDEX_FILE
    commit=$(GIT_COMMITTER_DATE="@$((2000000000 + n)) +0000" GIT_AUTHOR_DATE="@$((2000000000 + n)) +0000" \
        git commit-tree "$tree" -p main -m "Bench change $n")
    git update-ref refs/heads/main "$commit"
}

# Prints "wall-seconds peak-KiB cpu-seconds" for one audit; its --verbose lines go to
# $work/verbose.
audit() {
    (cd "$work" && /usr/bin/time -o "$work/time" -f "%e %M %U %S" \
        "$exe" audit --repo repo.git --state state --format json --output report.json -v "$@" \
        2> "$work/verbose" || true)
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time"
}

median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }

report() {
    local label="$1" file="$2"
    local secs rss cpu
    secs=$(cut -d' ' -f1 "$file" | median)
    rss=$(cut -d' ' -f2 "$file" | median)
    cpu=$(cut -d' ' -f3 "$file" | median)
    printf '%-28s %6s s wall %6s s CPU %5s MiB   wall runs: %s\n' "$label" "$secs" "$cpu" \
        "$((rss / 1024))" "$(cut -d' ' -f1 "$file" | tr '\n' ' ')"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "repository: $commits generated commits ($source_repo, copied)"
: > "$work/none"; : > "$work/cold"; : > "$work/warm"; : > "$work/plus1"
for _ in $(seq "$runs"); do
    audit --no-cache >> "$work/none"
    rm -rf "$work/cache"
    audit --cache-dir "$work/cache" >> "$work/cold"
    audit --cache-dir "$work/cache" >> "$work/warm"
    new_commit
    audit --cache-dir "$work/cache" >> "$work/plus1"
done
grep 'git index' "$work/verbose" | sed 's/^/last warm + 1: /'
echo "cache file: $(du -k "$work"/cache/*.gitindex | cut -f1) KiB"
report "audit --no-cache" "$work/none"
report "audit, cold cache" "$work/cold"
report "audit, warm cache" "$work/warm"
report "audit, warm + 1 new commit" "$work/plus1"
cold=$(cut -d' ' -f1 "$work/cold" | median)
plus1=$(cut -d' ' -f1 "$work/plus1" | median)
awk -v c="$cold" -v w="$plus1" 'BEGIN {printf "warm + 1 / cold (wall): %.1f %%\n", 100 * w / c}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
