#!/usr/bin/env bash
# The glue a team would write instead of provenant to answer PV001, PV002 and PV005 over an
# estate: git, jq, ansible-inventory, awk and sha256sum. It is the yardstick of
# benches/whole-audit-vs-glue.sh; see docs/performance.md.
#
#   benches/glue/audit.sh --repo DIR [--state DIR]... [--inventory FILE]... [--facts DIR]...
#                         [--puppet DIR]... [--release-branch main] [--findings FILE]
#
# What it answers, the way such scripts are written (each source read once, git asked in
# batches, independent steps run at the same time):
#
#   PV001  a claimed commit or tag that `git cat-file --batch-check` cannot find
#   PV002  a claimed commit that `git rev-list <release branch>` does not list (for a Puppet
#          report, the branch of its environment, as r10k deploys it, else the release branch)
#   PV005  a deployed file's sha256 that no blob ever committed under a `files/` directory has
#          (blobs listed by `git rev-list --objects --all`, read by `git cat-file --batch`,
#          hashed by sha256sum)
#
# Claims: Terraform states, every value under git_commit, git_sha, commit_sha, source_commit or
# revision anywhere in a managed instance's attributes (once per instance and value); Ansible,
# deploy_commit, app_commit and git_commit host variables as `ansible-inventory --list` merges
# them, and the fact cache's ansible_local.provenance (commit; sha256 of each file that is not
# a template); Puppet, the last report of each node (configuration_version; the {sha256}
# desired_value of every content change).
#
# Prints one line per rule and source, then the totals. Needs git, jq, awk, sha256sum, and
# ansible-inventory on PATH when an inventory is given (../shared/tools/setup-oracles.sh, then
# `source /tmp/oracles/env.sh`).

# jq and awk programs are single-quoted on purpose.
# shellcheck disable=SC2016
set -euo pipefail
export LC_ALL=C

repo=""
release="main"
findings=""
states=() inventories=() facts=() puppets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --repo) repo="$2"; shift 2 ;;
        --state) states+=("$2"); shift 2 ;;
        --inventory) inventories+=("$2"); shift 2 ;;
        --facts) facts+=("$2"); shift 2 ;;
        --puppet) puppets+=("$2"); shift 2 ;;
        --release-branch) release="$2"; shift 2 ;;
        --findings) findings="$2"; shift 2 ;;
        *) echo "usage: $0 --repo DIR [--state DIR]... [--inventory FILE]... [--facts DIR]... [--puppet DIR]... [--release-branch NAME] [--findings FILE]" >&2; exit 2 ;;
    esac
done
[ -n "$repo" ] || { echo "$0: --repo is required" >&2; exit 2; }
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$PWD" "$(basename "$1")"); }
repo=$(abs "$repo")
for i in "${!inventories[@]}"; do inventories[i]=$(abs "${inventories[i]}"); done

work=$(mktemp -d "${TMPDIR:-/tmp}/glue.XXXXXX")
trap 'rm -rf "$work"' EXIT
git() { command git -C "$repo" "$@"; }

# --- Claims: source <TAB> where <TAB> key <TAB> value [<TAB> puppet environment] ------------

claims_from_states() {
    for dir in "${states[@]}"; do
        find "$dir" -name '*.tfstate' -not -path '*/.terraform/*' -print0
    done | xargs -0 -r -n 250 jq -r '
        input_filename as $file
        | .resources[]? | select(.mode == "managed")
        | ((if .module then .module + "." else "" end) + .type + "." + .name) as $address
        | .instances[]
        | ($address + (if has("index_key") then "[" + (.index_key | tostring) + "]" else "" end)) as $instance
        | [.attributes | .. | objects | to_entries[]
           | select(.key | IN("git_commit", "git_sha", "commit_sha", "source_commit", "revision"))
           | .value | strings] | unique[]
        | ["terraform", $file + ":" + $instance, "attributes", .] | @tsv'
}

claims_from_inventories() {
    for inventory in "${inventories[@]}"; do
        # An empty working directory and no ansible.cfg, so nothing else is read.
        printf '[defaults]\n' > "$work/ansible.cfg"
        (cd "$work" && LC_ALL=C.UTF-8 ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_HOME="$work/ansible" \
            ansible-inventory -i "$inventory" --list 2>"$work/ansible-inventory.err") |
            jq -r '._meta.hostvars // {} | to_entries[] | .key as $host | .value | to_entries[]
                   | select(.key | IN("deploy_commit", "app_commit", "git_commit"))
                   | select(.value | type == "string")
                   | ["inventory", $host, .key, .value] | @tsv'
    done
}

# Fact files give claims and digests in one pass: "digest" lines are split off later.
claims_from_facts() {
    for dir in "${facts[@]}"; do
        find "$dir" -type f -not -name '.*' -print0
    done | xargs -0 -r -n 500 jq -r '
        input_filename as $file
        | (if has("__payload__") then .__payload__ | fromjson
           elif has("ansible_facts") then .ansible_facts else . end)
        | .ansible_local.provenance? // empty
        | (.commit // empty | ["facts", $file, "ansible_local.provenance.commit", .] | @tsv),
          (.files // {} | to_entries[]
           | if (.value | type) == "object" then select(.value.template | not) | .value.sha256 // empty
             else .value | strings | select(startswith("sha256:")) | ltrimstr("sha256:") end
           | ["digest", $file, "sha256", .] | @tsv)'
}

# The last report of each node (reports=store keeps REPORTDIR/<certname>/<YYYYMMDDHHMM>.yaml).
claims_from_puppet() {
    for dir in "${puppets[@]}"; do
        find "$dir" -name '*.yaml' -type f
    done | sort | awk -F/ '{ last[$(NF-1)] = $0 } END { for (node in last) print last[node] }' |
        tr '\n' '\0' | xargs -0 -r awk '
            function flush() { if (file != "" && cv != "") print "puppet\t" file "\tconfiguration_version\t" cv "\t" env }
            FNR == 1 { flush(); file = FILENAME; cv = ""; env = "" }
            /^configuration_version:/ { cv = $2; gsub(/["\047]/, "", cv) }
            /^environment:/ { env = $2 }
            /^ *desired_value: .\{sha256\}/ { d = $2; gsub(/["\047]|\{sha256\}/, "", d); print "digest\t" FILENAME "\tcontent\t" d }
            END { flush() }'
}

# --- Committed content: sha256 of every blob ever under a files/ directory --------------------

committed_digests() {
    git rev-list --objects --all |
        awk '$2 ~ /(^|\/)files\// { print $1 }' | sort -u |
        git cat-file --batch |
        awk -v dir="$work/blobs" '
            # Split the batch into one file per blob: "<oid> blob <size>\n<content>\n".
            state == 0 { out = dir "/" $1; size = $3 + 0; got = 0; printf "" > out
                         if (size == 0) { close(out); state = 2 } else state = 1; next }
            state == 1 { n = length($0) + 1
                         if (got + n <= size) { print > out; got += n } else { printf "%s", $0 > out; got = size; partial = 1 }
                         if (got >= size) { close(out); state = partial ? 0 : 2; partial = 0 }
                         next }
            state == 2 { state = 0 }'
    find "$work/blobs" -type f -print0 | xargs -0 -r sha256sum | awk '{ print $1 }' | sort -u
}

mkdir -p "$work/blobs"
pids=()
claims_from_states > "$work/states.tsv" & pids+=($!)
claims_from_inventories > "$work/inventory.tsv" & pids+=($!)
claims_from_facts > "$work/facts.tsv" & pids+=($!)
committed_digests > "$work/committed.txt" & pids+=($!)
claims_from_puppet > "$work/puppet.tsv"
for pid in "${pids[@]}"; do
    wait "$pid" || { echo "$0: a step failed" >&2; cat "$work/ansible-inventory.err" >&2 2>/dev/null; exit 2; }
done

cat "$work/states.tsv" "$work/inventory.tsv" "$work/facts.tsv" "$work/puppet.tsv" > "$work/all.tsv"

# --- Resolving claims ----------------------------------------------------------------------

# Every distinct value, resolved to a commit by git itself (commits, abbreviations, tags).
awk -F'\t' '$1 != "digest" { print $4 }' "$work/all.tsv" | sort -u > "$work/values.txt"
sed 's/$/^{commit}/' "$work/values.txt" | git cat-file --batch-check='%(objectname)' |
    paste "$work/values.txt" - > "$work/resolved.tsv"

# The commits of each branch claims are judged against: the release branch (local and
# remote-tracking), and each Puppet environment's branch when the repository has one.
branch_commits() {
    local name=$1 refs
    mapfile -t refs < <(git for-each-ref --format='%(refname)' "refs/heads/$name" "refs/remotes/*/$name")
    [ ${#refs[@]} -gt 0 ] && git rev-list "${refs[@]}" | sed "s/^/$name\t/"
}
{
    branch_commits "$release"
    awk -F'\t' '$1 == "puppet" && $5 != "" { print $5 }' "$work/all.tsv" | sort -u |
        while read -r env; do branch_commits "$env" || true; done
} > "$work/branches.tsv"

awk -F'\t' -v release="$release" -v findings="${findings:-/dev/null}" '
    FILENAME == ARGV[1] { on[$1 "\t" $2] = 1; has[$1] = 1; next }
    FILENAME == ARGV[2] { commit[$1] = $2; next }
    FILENAME == ARGV[3] { known[$1] = 1; next }
    $1 == "digest" {
        source = ($2 ~ /\.yaml$/) ? "puppet" : "facts"
        digests[source]++
        if (!($4 in known)) { n["PV005\t" source]++; print "PV005\t" $0 > findings }
        next
    }
    {
        claims[$1]++
        branch = ($1 == "puppet" && $5 != "" && has[$5]) ? $5 : release
        c = commit[$4]
        if (c == "" || c ~ / (missing|ambiguous)$/ || c !~ /^[0-9a-f]+$/) {
            n["PV001\t" $1]++; print "PV001\t" $0 > findings
        } else if (!((branch "\t" c) in on)) {
            n["PV002\t" $1]++; print "PV002\t" $0 > findings
        }
    }
    END {
        split("terraform inventory facts puppet", sources, " ")
        printf "%-10s %8s %7s %7s %8s %7s\n", "source", "claims", "PV001", "PV002", "digests", "PV005"
        for (i = 1; i <= 4; i++) {
            s = sources[i]
            printf "%-10s %8d %7d %7d %8d %7d\n", s, claims[s], n["PV001\t" s], n["PV002\t" s], digests[s], n["PV005\t" s]
            t1 += n["PV001\t" s]; t2 += n["PV002\t" s]; t5 += n["PV005\t" s]
        }
        printf "PV001 %d\nPV002 %d\nPV005 %d\n", t1, t2, t5
    }' "$work/branches.tsv" "$work/resolved.tsv" "$work/committed.txt" "$work/all.tsv"
