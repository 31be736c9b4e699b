#!/usr/bin/env bash
# Times GitIndex::open against `git log --all --raw` on generated repositories (and, given one,
# on a real repository), as reported in docs/performance.md.
#
#   benches/index-vs-git-log.sh                 # generate 5k, 20k and 50k commits, time each
#   benches/index-vs-git-log.sh /path/to/repo   # time an existing work tree or bare repository
#
# Generated repositories go to $BENCH_DIR (default /tmp/provenant-bench) and are reused when
# present, so a second run only times. Each size is also checked against git log's
# (blob, path) pairs before it is timed. Needs git and /usr/bin/time; builds in release.
set -euo pipefail

cd "$(dirname "$0")/.."
bench_dir="${BENCH_DIR:-/tmp/provenant-bench}"
runs="${RUNS:-3}"

bench() {
    cargo bench --quiet --bench index_vs_git_log -- "$@"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(git --version)"

if [ $# -gt 0 ]; then
    bench run "$1" "$runs"
    exit 0
fi

mkdir -p "$bench_dir"
for commits in 5000 20000 50000; do
    repo="$bench_dir/generated-$commits.git"
    if [ ! -d "$repo" ]; then
        bench generate "$repo" "$commits"
    fi
    bench verify "$repo"
    bench run "$repo" "$runs"
    echo
done
