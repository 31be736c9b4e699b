#!/usr/bin/env bash
# Times provenant's inventory reading against `ansible-inventory --list` on a generated
# 10,000-host INI inventory with group_vars/, as reported in docs/performance.md. The two
# outputs are compared before anything is timed.
#
#   benches/inventory-vs-ansible.sh            # 10,000 hosts, 5 runs each
#   HOSTS=100000 RUNS=3 benches/inventory-vs-ansible.sh
#
# Needs ansible-core on PATH (../shared/tools/setup-oracles.sh; then
# `source /tmp/oracles/env.sh`). Builds in release.
set -euo pipefail

cd "$(dirname "$0")/.."
hosts="${HOSTS:-10000}"
runs="${RUNS:-5}"
dir="${BENCH_DIR:-/tmp/provenant-bench}/inventory-$hosts"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(ansible-inventory --version | head -1)"
rm -rf "$dir"
cargo bench --quiet --bench inventory_vs_ansible -- generate "$dir" "$hosts"
cargo bench --quiet --bench inventory_vs_ansible -- run "$dir" "$runs"
