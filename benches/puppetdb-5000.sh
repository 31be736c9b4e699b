#!/usr/bin/env bash
# Times `provenant audit` over 5,000 Puppet nodes read from a real PuppetDB (paged) and over the
# same nodes read from files, as reported in docs/performance.md ("Puppet: 5,000 node reports").
#
#   benches/puppetdb-5000.sh                 # 5,000 nodes, 3 runs of each
#   NODES=500 RUNS=1 benches/puppetdb-5000.sh
#
# The nodes come from one real run: `puppet apply` of a small control repository writes a
# report; Puppet's own terminus code (puppet-report-to-pdb) turns it into PuppetDB's wire
# format; each node gets a copy under its own certname, with facts (from facter) and a catalog.
# They are posted to PuppetDB's command API (replace_facts v5, replace_catalog v9, store_report
# v8; in parallel with curl) unless PuppetDB already holds them, and written as files for the
# second audit: the report YAML, the facts and the catalog of each node.
#
# Needs ../shared/tools/setup-oracles.sh --with-puppetdb (then this script sources
# $ORACLES_DIR/env.sh). Starts PuppetDB when it is not running, and then stops it at the end
# with pdb-stop (by its process id). It WRITES to that PuppetDB: run it on a test one only.
# Builds provenant in release.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
oracles="${ORACLES_DIR:-/tmp/oracles}"
# shellcheck disable=SC1091
source "$oracles/env.sh"
nodes="${NODES:-5000}"
runs="${RUNS:-3}"
parallel="${PARALLEL:-4}"
dir="${BENCH_DIR:-/tmp/provenant-bench}/puppetdb-$nodes"
pdb=http://127.0.0.1:18080

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM; PuppetDB $(dpkg-query -W -f='${Version}' puppetdb)," \
    "puppet $(puppet --version)"

if ! curl -sf "$pdb/status/v1/services/puppetdb-status" >/dev/null; then
    pdb-start
    trap 'pdb-stop' EXIT
fi

# ---- one real run ------------------------------------------------------------------------------
if [ ! -s "$dir/base/report.json" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/base/conf" "$dir/out" "$dir/repo/manifests" "$dir/repo/modules/app/manifests" \
        "$dir/repo/modules/app/files"
    {
        echo "class app {"
        for i in $(seq 1 20); do
            echo "  file { '$dir/out/static-$i.conf': ensure => file, source => 'puppet:///modules/app/static-$i.conf' }"
            echo "  file { '$dir/out/inline-$i.conf': ensure => file, content => \"inline $i\\n\" }"
        done
        echo "  notify { 'deployed': message => 'app deployed' }"
        echo "}"
    } >"$dir/repo/modules/app/manifests/init.pp"
    for i in $(seq 1 20); do echo "static $i" >"$dir/repo/modules/app/files/static-$i.conf"; done
    echo "include app" >"$dir/repo/manifests/site.pp"
    git -C "$dir/repo" init -q -b production
    git -C "$dir/repo" add -A
    # A fixed date: the same commit every time, so a PuppetDB loaded earlier still matches.
    GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
        git -C "$dir/repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm app
    # Three files edited by hand: the run puts them back (events), one module file edited
    # without a commit (PV005 on every node).
    printf '[main]\nreports = store\ncertificate_revocation = false\n' >"$dir/base/conf/puppet.conf"
    apply() {
        puppet apply --confdir "$dir/base/conf" --vardir "$dir/base/var" --certname bench-base \
            --modulepath "$dir/repo/modules" --config_version "git -C $dir/repo rev-parse HEAD" \
            "$dir/repo/manifests/site.pp" 2>&1 | grep -v Facter >/dev/null || true
    }
    apply
    for i in 1 2 3; do echo "by hand" >"$dir/out/inline-$i.conf"; done
    echo "edited, not committed" >"$dir/repo/modules/app/files/static-1.conf"
    rm -rf "$dir/base/var/reports"
    apply
    cp "$dir"/base/var/reports/bench-base/*.yaml "$dir/base/report.yaml"
    puppet-report-to-pdb "$dir/base/report.yaml" >"$dir/base/report.json"
    # Facter complains about what a container hides from it (and exits 1), then prints facts.
    facter -j 2>/dev/null >"$dir/base/facts.json" || true
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/base/facts.json"
fi

# ---- the fleet, as wire-format commands and as files ------------------------------------------
if [ ! -d "$dir/wire" ]; then
    python3 - "$dir" "$nodes" <<'EOF'
import json, os, sys, uuid
dir, nodes = sys.argv[1], int(sys.argv[2])
report = json.load(open(f"{dir}/base/report.json"))
yaml = open(f"{dir}/base/report.yaml").read()
facts = json.load(open(f"{dir}/base/facts.json"))
version = report["configuration_version"]
resources = [{"type": "Class", "title": "App", "exported": False, "tags": ["class", "app"], "parameters": {}}]
for i in range(1, 21):
    resources.append({"type": "File", "title": f"{dir}/out/static-{i}.conf", "exported": False,
        "tags": ["file", "app"], "parameters": {"ensure": "file", "source": f"puppet:///modules/app/static-{i}.conf"}})
    resources.append({"type": "File", "title": f"{dir}/out/inline-{i}.conf", "exported": False,
        "tags": ["file", "app"], "parameters": {"ensure": "file", "content": f"inline {i}\n"}})
for kind in ("reports", "facts", "catalogs"):
    os.makedirs(f"{dir}/wire/{kind}", exist_ok=True)
for n in range(nodes):
    certname = f"bench-{n:05d}.example.com"
    ip = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"
    r = dict(report, certname=certname, transaction_uuid=str(uuid.uuid4()), catalog_uuid=str(uuid.uuid4()))
    # The names and addresses that identify a machine are the node's own; the rest is facter's.
    networking = {k: w for k, w in facts.get("networking", {}).items() if k not in ("ip6", "interfaces")}
    networking.update(fqdn=certname, hostname=certname.split(".")[0], ip=ip)
    v = {k: w for k, w in facts.items() if k not in ("ipaddress6",)}
    v.update(fqdn=certname, hostname=certname.split(".")[0], ipaddress=ip, networking=networking)
    f = {"certname": certname, "environment": "production", "producer_timestamp": r["producer_timestamp"],
         "producer": "bench", "values": v}
    c = {"certname": certname, "version": version, "environment": "production",
         "transaction_uuid": r["transaction_uuid"], "catalog_uuid": r["catalog_uuid"],
         "producer_timestamp": r["producer_timestamp"], "producer": "bench", "code_id": None, "job_id": None,
         "resources": resources, "edges": []}
    for kind, doc in (("reports", r), ("facts", f), ("catalogs", c)):
        with open(f"{dir}/wire/{kind}/{certname}.json", "w") as out:
            json.dump(doc, out)
    node = f"{dir}/files/{certname}"
    os.makedirs(node, exist_ok=True)
    with open(f"{node}/report.yaml", "w") as out:
        out.write(yaml.replace("\nhost: bench-base\n", f"\nhost: {certname}\n", 1))
    with open(f"{node}/facts.json", "w") as out:
        json.dump(f, out)
    with open(f"{node}/catalog.json", "w") as out:
        json.dump(c, out)
EOF
fi

count() { # count ENDPOINT EXTRA-CONDITION
    curl -sf -G "$pdb/pdb/query/v4/$1" --data-urlencode \
        "query=[\"extract\",[[\"function\",\"count\"]],[\"and\",[\"~\",\"certname\",\"^bench-\"]$2]]" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["count"])'
}
head=$(git -C "$dir/repo" rev-parse HEAD)
latest=',["=","latest_report?",true],["=","configuration_version","'"$head"'"]'
if [ "$(count reports "$latest")" -lt "$nodes" ]; then
    post() { # post COMMAND VERSION FILE
        local certname
        certname=$(basename "$3" .json)
        curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
            "$pdb/pdb/cmd/v1?command=$1&version=$2&certname=$certname" --data-binary "@$3"
    }
    export -f post
    export pdb
    t0=$(date +%s)
    for command in "replace_facts 5 facts" "replace_catalog 9 catalogs" "store_report 8 reports"; do
        set -- $command
        find "$dir/wire/$3" -name '*.json' -print0 |
            xargs -0 -P "$parallel" -I{} bash -c "post $1 $2 {}"
    done
    echo "posted $((nodes * 3)) commands in $(($(date +%s) - t0)) s; waiting for PuppetDB"
    until [ "$(count reports "$latest")" -ge "$nodes" ] &&
        [ "$(count inventory '')" -ge "$nodes" ] && [ "$(count catalogs '')" -ge "$nodes" ]; do
        sleep 5
    done
    echo "PuppetDB stored them after $(($(date +%s) - t0)) s"
fi

# ---- timing -------------------------------------------------------------------------------------
cargo build --release --quiet
bin="$root/target/release/provenant"
measure() { # measure LABEL ARGS...: runs the audit $runs times, prints each wall time and peak RSS
    local label=$1
    shift
    for run in $(seq 1 "$runs"); do
        /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" audit --repo "$dir/repo" --no-cache \
            --format json --output "$dir/$label.json" "$@" 2>/dev/null || true
        # (a first line "Command exited with non-zero status 1": the audit found something)
        read -r wall rss < <(tail -1 "$dir/time")
        echo "$label run $run: ${wall} s, peak RSS $((rss / 1024)) MiB"
    done
}
cd "$dir"
measure puppetdb --puppet "$pdb"
measure puppetdb-page-100 --puppet "$pdb" --puppetdb-page-size 100
measure files --puppet "$dir/files"

python3 - "$dir" <<'EOF'
import json, sys
dir = sys.argv[1]
def of(label):
    r = json.load(open(f"{dir}/{label}.json"))
    found = {(f["rule_id"], f["labels"][0]) for f in r["findings"] if f["labels"] and f["labels"][0].startswith("bench-")}
    return r, found
db, db_found = of("puppetdb")
files, files_found = of("files")
print("puppetdb input:", [i["detail"] for i in db["scope"]["inputs"]])
print(f"files inputs: {len(files['scope']['inputs'])}; findings on bench nodes: "
      f"{len(db_found)} from PuppetDB, {len(files_found)} from files, same: {db_found == files_found}")
EOF
