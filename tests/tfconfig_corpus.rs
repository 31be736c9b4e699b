//! The configuration reader against real configuration:
//!
//! * every folder of `shared/corpus/terraform-state/pairs/` (a state with the configuration it
//!   came from, from one upstream commit) is committed to a repository built here, and each of
//!   its states audited: no PV004 for a resource the configuration declares (checked against
//!   the files' text, independently of the parser), and every declaration's line is the line of
//!   the block in the committed file;
//! * every file of `shared/corpus/terraform-config/` parses, except the negative case
//!   `yor-malformed.tf`, which gives PV010 with a line when it sits in an audited configuration,
//!   and `yor-asg-tag-blocks-vs-tags.tf`, which upstream left truncated (its block is never
//!   closed; Terraform rejects it as well), whose error carries its line.

mod tfconfig_support;

use provenant::model::DeclarationStatus;
use provenant::scan::tfconfig::syntax::{self, Syntax};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tfconfig_support::*;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.is_dir(),
        "the shared corpus is missing at {}",
        dir.display()
    );
    dir
}

/// State files of a pair: what the audit reads.
fn is_state(name: &str) -> bool {
    name.ends_with(".tfstate") || name == "state.json" || name == "show-json-output.json"
}

/// Every file below `dir`, as (path relative to `dir`, content).
fn files_below(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `(type, name)` of every `resource "t" "n"` (or `resource t n`) written in the `.tf` files,
/// read from the text alone.
fn declared_in_text(files: &[(String, Vec<u8>)]) -> BTreeSet<(String, String)> {
    let mut declared = BTreeSet::new();
    for (path, content) in files {
        if !path.ends_with(".tf") {
            continue;
        }
        for line in String::from_utf8_lossy(content).lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() >= 3 && words[0] == "resource" {
                declared.insert((
                    words[1].trim_matches('"').to_string(),
                    words[2].trim_matches('"').to_string(),
                ));
            }
        }
    }
    declared
}

#[test]
fn every_pair_declares_its_resources_at_the_lines_of_the_blocks() {
    let pairs = corpus().join("terraform-state/pairs");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&pairs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 9, "{folders:?}");
    let mut checked_lines = 0;
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let files = files_below(&folder);
        let mut r = Repo::new();
        let config: Vec<(String, String)> = files
            .iter()
            .filter(|(path, _)| {
                !is_state(path) && !path.ends_with(".json") && !path.ends_with(".backup")
            })
            .map(|(path, content)| (path.clone(), String::from_utf8_lossy(content).into_owned()))
            .collect();
        let changes: Vec<(&str, Option<&str>)> = config
            .iter()
            .map(|(p, c)| (p.as_str(), Some(c.as_str())))
            .collect();
        r.commit(&format!("{name} as committed upstream"), &changes);
        let declared = declared_in_text(&files);
        for (state, _) in files.iter().filter(|(p, _)| is_state(p)) {
            let report = audit(
                &folder,
                &["--repo", &r.path().to_string_lossy(), "--state", state],
            );
            let input = report
                .scope
                .inputs
                .iter()
                .find(|i| &i.path == state)
                .unwrap();
            if input.status != provenant::model::InputStatus::Read {
                continue;
            }
            assert!(
                input.detail.contains("configuration "),
                "{name}/{state}: no configuration chosen: {}",
                input.detail
            );
            for finding in findings(&report, "PV004") {
                let c = report
                    .components
                    .iter()
                    .find(|c| Some(&c.id) == finding.component_id.as_ref())
                    .unwrap();
                let key = (
                    c.properties["resource_type"].clone(),
                    c.properties["address"]
                        .rsplit('.')
                        .next()
                        .unwrap()
                        .split('[')
                        .next()
                        .unwrap()
                        .to_string(),
                );
                assert!(
                    !declared.contains(&key),
                    "{name}/{state}: PV004 for {key:?}, which the configuration declares: {}",
                    finding.message
                );
            }
            for c in &report.components {
                let (Some(at), Some(check)) = (&c.declared_at, &c.config) else {
                    continue;
                };
                let (_, path) = at.path.split_once(':').unwrap();
                let text = config
                    .iter()
                    .find(|(p, _)| p == path)
                    .map(|(_, t)| t)
                    .unwrap();
                let line = line_of(text, at.line.unwrap()).trim_start();
                let opens = match check.status {
                    DeclarationStatus::ModuleCall => "module",
                    DeclarationStatus::Removed => "removed",
                    _ => "resource",
                };
                assert!(
                    line.starts_with(opens),
                    "{name}/{state}: {} declared at {at}, which is `{line}`",
                    c.labels[0]
                );
                if opens == "resource" {
                    assert!(
                        line.contains(c.properties["resource_type"].as_str()),
                        "{name}/{state}: {} at {at}: `{line}`",
                        c.labels[0]
                    );
                }
                checked_lines += 1;
            }
        }
    }
    assert!(
        checked_lines > 100,
        "only {checked_lines} declarations checked"
    );
}

#[test]
fn every_corpus_configuration_file_parses_except_the_negative_case() {
    let dir = corpus().join("terraform-config");
    let mut parsed = 0;
    for (name, content) in files_below(&dir) {
        let syntax =
            Syntax::of_config(&name).unwrap_or_else(|| panic!("{name}: not configuration"));
        let result = syntax::parse(&content, syntax);
        if name == "yor-malformed.tf" {
            let error = result.expect_err("not terraform!! must not parse");
            assert_eq!(error.line, Some(1), "{error:?}");
        } else if name == "yor-asg-tag-blocks-vs-tags.tf" {
            // Truncated upstream: the resource block is never closed, and `terraform fmt`
            // rejects it too ("Unclosed configuration block"). The error points at its end.
            let error = result.expect_err("an unclosed block must not parse");
            assert_eq!(error.line, Some(33), "{error:?}");
        } else {
            let body = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!body.blocks.is_empty(), "{name}: no block");
            // Every block's line opens that block in the file.
            let text = String::from_utf8_lossy(&content);
            for block in &body.blocks {
                let line = line_of(&text, block.line);
                let opens = if syntax == Syntax::Json {
                    block
                        .labels
                        .last()
                        .map(|l| format!("\"{l}\""))
                        .unwrap_or_else(|| format!("\"{}\"", block.kind))
                } else {
                    block.kind.clone()
                };
                assert!(
                    line.contains(&opens),
                    "{name}: {} at line {}: `{line}`",
                    block.kind,
                    block.line
                );
            }
            parsed += 1;
        }
    }
    assert_eq!(parsed, 16);
}

#[test]
fn an_unparsable_committed_file_is_an_unreadable_input_with_its_line() {
    let malformed =
        std::fs::read_to_string(corpus().join("terraform-config/yor-malformed.tf")).unwrap();
    let mut r = Repo::new();
    let c1 = r.commit(
        "A server and a stray file",
        &[
            (
                "main.tf",
                Some("resource \"aws_instance\" \"web\" {\n  instance_type = \"t3.small\"\n}\n"),
            ),
            ("malformed.tf", Some(malformed.as_str())),
        ],
    );
    let states = tempfile::tempdir().unwrap();
    write(
        states.path(),
        "s.tfstate",
        &state_v4(&[instance(
            "aws_instance",
            "web",
            serde_json::json!({"id": "i", "instance_type": "t3.small"}),
        )]),
    );
    let report = audit(
        states.path(),
        &[
            "--repo",
            &r.path().to_string_lossy(),
            "--state",
            "s.tfstate",
        ],
    );
    let pv010 = findings(&report, "PV010");
    assert_eq!(pv010.len(), 1, "{:#?}", report.findings);
    assert_eq!(
        pv010[0].location.path,
        format!("{}:malformed.tf", short(c1))
    );
    assert_eq!(pv010[0].location.line, Some(1));
    assert!(!report.summary.complete);
}
