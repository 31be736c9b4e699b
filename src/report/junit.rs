//! JUnit XML, as GitLab (`artifacts:reports:junit`) and Jenkins (`junit`) read it: a test
//! suite per rule, and in it a test case per subject the rule applies to (every component for
//! the component rules, every input for PV010, every policy exception for PV012), so a clean
//! component shows as a passing test and the population reconciles. A finding is a `<failure>`;
//! an excepted finding (or one the baseline already had) is `<skipped>` with its
//! justification. GitLab shows `classname` as the suite, so it holds the rule; `name` is the
//! component, unique within its rule; `file` is the place in the repository.

use super::common::{self, CiLocation, Index, Standing};
use super::{Renderer, Report, RuleInfo};
use crate::model::{Finding, Location};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

pub struct JunitRenderer;

impl Renderer for JunitRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let suites: Vec<Suite> = common::rule_catalogue(report)
            .into_iter()
            .map(|rule| Suite::of(report, rule))
            .collect();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="{}" tests="{}" failures="{}" errors="0" time="0">"#,
            common::xml(&report.tool.name),
            suites.iter().map(|s| s.cases.len()).sum::<usize>(),
            suites.iter().map(Suite::failures).sum::<usize>(),
        )?;
        for suite in &suites {
            suite.write(report, out)?;
        }
        writeln!(out, "</testsuites>")
    }
}

/// What a rule's test cases are about.
enum Subjects {
    Components,
    Inputs,
    Exceptions,
}

impl Subjects {
    /// The rules whose findings are about something other than a component.
    fn of(rule: &str) -> Subjects {
        match rule {
            "PV010" => Subjects::Inputs,
            "PV012" => Subjects::Exceptions,
            _ => Subjects::Components,
        }
    }
}

struct Case<'a> {
    name: String,
    file: String,
    findings: Vec<&'a Finding>,
}

impl Case<'_> {
    fn failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| Standing::of(f) == Standing::Open)
            .count()
    }

    fn skipped(&self) -> bool {
        self.failures() == 0 && !self.findings.is_empty()
    }
}

struct Suite<'a> {
    rule: RuleInfo,
    cases: Vec<Case<'a>>,
}

impl<'a> Suite<'a> {
    fn of(report: &'a Report, rule: RuleInfo) -> Suite<'a> {
        let index = Index::new(report);
        let mut findings: Vec<Option<&Finding>> = report
            .findings
            .iter()
            .map(|f| (f.rule_id == rule.id).then_some(f))
            .collect();
        let mut take = |matches: &dyn Fn(&Finding) -> bool| -> Vec<&'a Finding> {
            findings
                .iter_mut()
                .filter(|slot| slot.is_some_and(matches))
                .filter_map(Option::take)
                .collect()
        };
        let mut cases = Vec::new();
        match Subjects::of(&rule.id) {
            Subjects::Components => {
                let mut by_component: HashMap<&str, Vec<&Finding>> = HashMap::new();
                for finding in take(&|f| f.component_id.is_some()) {
                    let id = finding.component_id.as_deref().unwrap_or_default();
                    by_component.entry(id).or_default().push(finding);
                }
                for component in &report.components {
                    cases.push(Case {
                        name: component.display_name().to_string(),
                        file: CiLocation::of_component(component).path,
                        findings: by_component
                            .remove(component.id.as_str())
                            .unwrap_or_default(),
                    });
                }
                // Findings about components the report does not list stay visible too.
                let mut rest: Vec<&Finding> = by_component.into_values().flatten().collect();
                rest.sort_by_key(|f| report.findings.iter().position(|g| std::ptr::eq(*f, g)));
                for finding in rest {
                    cases.push(Case::alone(&index, finding));
                }
            }
            Subjects::Inputs => {
                for input in &report.scope.inputs {
                    let path = input.path.as_str();
                    cases.push(Case {
                        name: input.path.clone(),
                        file: CiLocation::from_location(&Location::file(path)).path,
                        findings: take(&|f| {
                            f.location.path == path || f.labels.first().is_some_and(|l| l == path)
                        }),
                    });
                }
            }
            Subjects::Exceptions => {
                for exception in &report.exceptions {
                    let at = &exception.location;
                    cases.push(Case {
                        name: format!("{} on {} ({})", exception.rule, exception.component, at),
                        file: CiLocation::from_location(at).path,
                        findings: take(&|f| &f.location == at),
                    });
                }
            }
        }
        for finding in take(&|_| true) {
            cases.push(Case::alone(&index, finding));
        }
        unique_names(&mut cases);
        Suite { rule, cases }
    }

    fn failures(&self) -> usize {
        self.cases.iter().map(Case::failures).sum()
    }

    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let classname = common::xml(&format!("{} {}", self.rule.id, self.rule.slug));
        writeln!(
            out,
            r#"  <testsuite name="{classname}" tests="{}" failures="{}" errors="0" skipped="{}" time="0" timestamp="{}">"#,
            self.cases.len(),
            self.failures(),
            self.cases.iter().filter(|c| c.skipped()).count(),
            common::xml(&report.generated_at),
        )?;
        writeln!(out, "    <properties>")?;
        let mut property = |name: &str, value: &str| {
            writeln!(
                out,
                r#"      <property name="{name}" value="{}"/>"#,
                common::xml(value)
            )
        };
        property("summary", &self.rule.summary)?;
        property("severity", self.rule.severity.as_str())?;
        property("controls", &self.rule.controls.join("; "))?;
        property("report-digest", &report.digest)?;
        writeln!(out, "    </properties>")?;
        for case in &self.cases {
            write_case(&classname, case, out)?;
        }
        writeln!(out, "  </testsuite>")
    }
}

impl<'a> Case<'a> {
    fn alone(index: &Index<'_>, finding: &'a Finding) -> Case<'a> {
        Case {
            name: finding
                .labels
                .first()
                .cloned()
                .unwrap_or_else(|| finding.location.to_string()),
            file: CiLocation::of(index, finding).path,
            findings: vec![finding],
        }
    }
}

/// GitLab drops test cases whose names repeat: a repeated name gets its file, then a number.
fn unique_names(cases: &mut [Case<'_>]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for case in cases.iter() {
        *counts.entry(case.name.clone()).or_default() += 1;
    }
    let mut taken: HashSet<String> = HashSet::new();
    for case in cases.iter_mut() {
        if counts[&case.name] > 1 {
            case.name = format!("{} ({})", case.name, case.file);
        }
        let mut name = case.name.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{} #{n}", case.name);
            n += 1;
        }
        case.name = name;
    }
}

fn write_case(classname: &str, case: &Case<'_>, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        r#"    <testcase classname="{classname}" name="{}" file="{}" time="0""#,
        common::xml(&case.name),
        common::xml(&case.file),
    )?;
    if case.findings.is_empty() {
        return writeln!(out, "/>");
    }
    writeln!(out, ">")?;
    let open: Vec<&&Finding> = case
        .findings
        .iter()
        .filter(|f| Standing::of(f) == Standing::Open)
        .collect();
    let accepted: Vec<&&Finding> = case
        .findings
        .iter()
        .filter(|f| Standing::of(f) != Standing::Open)
        .collect();
    for finding in &open {
        writeln!(
            out,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            common::xml(&finding.message),
            finding.severity,
            common::xml_text(&details(finding)),
        )?;
    }
    if open.is_empty() {
        for finding in &accepted {
            let why = common::standing_note(finding).unwrap_or_default();
            writeln!(
                out,
                r#"      <skipped message="{}">{}</skipped>"#,
                common::xml(&why),
                common::xml_text(&details(finding)),
            )?;
        }
    } else if !accepted.is_empty() {
        let text: Vec<String> = accepted.iter().map(|f| details(f)).collect();
        writeln!(
            out,
            "      <system-out>{}</system-out>",
            common::xml_text(&text.join("\n\n"))
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// The body of a failure or skip: what, where, why it does not fail when it does not, and the
/// evidence chain.
fn details(finding: &Finding) -> String {
    let mut text = format!(
        "{} {} ({}) at {}\n{}",
        finding.rule_id, finding.slug, finding.severity, finding.location, finding.message
    );
    if let Some(note) = common::standing_note(finding) {
        text.push_str(&format!("\n{note}"));
    }
    for line in common::chain_lines(finding) {
        text.push_str(&format!("\n  {line}"));
    }
    text.push_str(&format!("\nfingerprint {}", common::fingerprint(finding)));
    text
}
