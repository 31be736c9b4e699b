//! Puppet reports as Puppet writes them: every file of the shared corpus read or rejected with
//! a reason, and a real `puppet apply` (Debian's puppet, installed by
//! `shared/tools/setup-oracles.sh`) run on a control repository whose commit it prints as
//! `config_version`: the claim resolves to that commit on the environment's branch; a commit
//! off that branch is PV002, a file changed by hand between two runs of one commit is PV007
//! (inferred), a node only an uncommitted definition classifies is PV009, and a file written
//! from a module source that no commit has is PV005. Hostile files are unreadable inputs with
//! their line, and the audit goes on.

use assert_cmd::Command;
use provenant::model::{InputKind, InputStatus};
use provenant::report::Report;
use provenant::scan::puppet::files::read_file;
use std::path::{Path, PathBuf};

fn provenant() -> Command {
    let mut cmd = Command::cargo_bin("provenant").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1790000000").env_remove("CI");
    cmd
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/puppet-report")
}

#[test]
fn every_corpus_file_is_read_or_rejected_with_a_reason() {
    let dir = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the shared corpus is beside the repository")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "corpus has {} files", files.len());
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let (input, parsed) = read_file(path, name);
        assert_eq!(
            input.status,
            InputStatus::Read,
            "{name}: {} (line {:?})",
            input.detail,
            input.line
        );
        let found = parsed.reports.len() + parsed.facts.len() + parsed.catalogs.len();
        assert!(
            found > 0,
            "{name}: read but nothing in it: {}",
            input.detail
        );
        for report in &parsed.reports {
            assert!(
                !report.certname.is_empty(),
                "{name}: a report without a node"
            );
        }
    }
    let read = |name: &str| read_file(&dir.join(name), name);

    let (input, parsed) = read("puppet-last_run_report-6.24-format11.yaml");
    assert_eq!(input.kind, InputKind::PuppetReport);
    let report = &parsed.reports[0];
    assert_eq!(report.certname, "fuzzed-referee.delivery.puppetlabs.net");
    assert_eq!(report.configuration_version.as_deref(), Some("1624882680"));
    assert_eq!(report.environment.as_deref(), Some("development"));
    assert_eq!(report.report_format.as_deref(), Some("11"));
    assert_eq!(report.resources[0].reference(), "Filebucket[puppet]");
    assert_eq!(report.resources[0].corrective_change, Some(false));

    // `!ruby/sym` as a mapping key, anchors and aliases, 2.6 layout.
    let (_, parsed) = read("puppet-report-2.6.1-ruby-sym-keys.yaml");
    assert_eq!(parsed.reports[0].certname, "ubuntu1004desktop.localdomain");

    // Format 1: resources only named by `resource`, events with symbols.
    let (_, parsed) = read("dashboard-report-format-01_changes.yaml");
    let exec = parsed.reports[0]
        .resources
        .iter()
        .find(|r| r.reference() == "Exec[/bin/true]")
        .expect("Exec[/bin/true]");
    assert!(exec.changed);
    assert_eq!(exec.events[0].property.as_deref(), Some("returns"));

    // PuppetDB's legacy wire format: one entry per event.
    let (input, parsed) = read("puppetdb-export-legacy-report-resource_events.json");
    assert_eq!(input.kind, InputKind::PuppetdbReport);
    let report = &parsed.reports[0];
    assert_eq!(report.configuration_version.as_deref(), Some("02ae0b7"));
    assert!(report.events_only);
    assert!(!report.resources.is_empty());

    // Newer wire format with a git SHA code_id.
    let (_, parsed) = read("puppetdb-generated-report-puppet8-format12.json");
    assert_eq!(
        parsed.reports[0].code_id.as_deref(),
        Some("17fb5e74bca2a9195c204b15ad28aac54227bf35")
    );

    let (input, parsed) = read("puppetdb-wire-facts-pg1.vm-package-inventory.json");
    assert_eq!(input.kind, InputKind::PuppetFacts);
    assert_eq!(parsed.facts[0].certname, "pg1.vm");

    let (input, parsed) = read("puppetdb-tiny-catalog.json");
    assert_eq!(input.kind, InputKind::PuppetCatalog);
    assert_eq!(parsed.catalogs[0].certname, "myhost.localdomain");

    let (input, parsed) = read("puppetdb-reports-query-rows.json");
    assert_eq!(input.kind, InputKind::PuppetdbReport);
    assert!(parsed.reports.iter().all(|r| r.events_only));
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs an audit from `dir`, so that no state below the current directory is discovered.
fn audit_in(dir: &Path, args: &[&str]) -> (Report, i32) {
    let out = provenant()
        .current_dir(dir)
        .arg("audit")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1))
}

#[test]
fn hostile_and_broken_reports_are_unreadable_inputs_and_the_audit_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    git(&repo, &["init", "-q", "-b", "production"]);
    write(&repo.join("manifests/site.pp"), "node default {}\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "control"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let reports = dir.path().join("reports");
    write(
        &reports.join("good.yaml"),
        &format!(
            "--- !ruby/object:Puppet::Transaction::Report\nhost: good.example.com\n\
             time: '2026-01-01T00:00:00+00:00'\nconfiguration_version: {head}\n\
             environment: production\nresource_statuses: {{}}\n"
        ),
    );
    write(
        &reports.join("gem.yaml"),
        "--- !ruby/object:Puppet::Transaction::Report\nhost: evil\nlogs:\n- !ruby/object:Gem::Installer\n  i: x\n",
    );
    write(
        &reports.join("truncated.yaml"),
        "--- !ruby/object:Puppet::Transaction::Report\nhost: cut.example.com\nresource_statuses:\n  File[/x]:\n    title: \"/x\n",
    );
    let mut bomb = String::from("--- !ruby/object:Puppet::Transaction::Report\nhost: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!(
            "a{i}: &a{i} [{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]\n"
        ));
    }
    write(&reports.join("bomb.yaml"), &bomb);
    write(&reports.join("notes.json"), "{\"hello\": 1}\n");

    let (report, code) = audit_in(
        dir.path(),
        &[
            "--repo",
            repo.to_str().unwrap(),
            "--puppet",
            reports.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "an unreadable input makes the audit incomplete");
    let input = |name: &str| {
        report
            .scope
            .inputs
            .iter()
            .find(|i| i.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in scope"))
    };
    let gem = input("gem.yaml");
    assert_eq!(gem.status, InputStatus::Unreadable);
    assert_eq!(gem.line, Some(4));
    assert!(
        gem.detail.contains("unknown Ruby class `Gem::Installer`"),
        "{}",
        gem.detail
    );
    let cut = input("truncated.yaml");
    assert_eq!(cut.status, InputStatus::Unreadable);
    assert!(cut.detail.starts_with("not valid YAML"), "{}", cut.detail);
    assert!(cut.line.is_some());
    let bomb = input("bomb.yaml");
    assert_eq!(bomb.status, InputStatus::Unreadable);
    assert!(bomb.detail.contains("alias bomb"), "{}", bomb.detail);
    let notes = input("notes.json");
    assert_eq!(notes.status, InputStatus::Unreadable);
    assert!(
        notes.detail.contains("not a Puppet document"),
        "{}",
        notes.detail
    );
    // The good report was still read, traced, and judged.
    assert_eq!(input("good.yaml").status, InputStatus::Read);
    let node = report
        .components
        .iter()
        .find(|c| c.labels.contains(&"good.example.com".to_string()))
        .expect("the good node");
    assert_eq!(
        node.traces[0].status,
        provenant::model::TraceStatus::Released
    );
    let unreadable: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "PV010")
        .map(|f| f.location.path.as_str())
        .collect();
    assert_eq!(unreadable.len(), 4, "{unreadable:?}");
}

// ---------------------------------------------------------------------------------------------
// A real `puppet apply`.

fn git(repo: &Path, args: &[&str]) -> String {
    std::fs::create_dir_all(repo).unwrap();
    let out = std::process::Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Ops")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Ops")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Debian's puppet, or why it is missing (a failure in CI).
fn puppet() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("puppet"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file());
    if found.is_none() {
        let why = "no `puppet` on PATH: run shared/tools/setup-oracles.sh";
        if std::env::var_os("CI").is_some() {
            panic!("{why}");
        }
        eprintln!("skipped: {why}");
    }
    found
}

/// A sandbox for `puppet apply`: a control repository and the directories Puppet writes to.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    puppet: PathBuf,
}

const SITE: &str = "node 'web01.example.com' {
  file { '@OUT@/app.conf':
    ensure => file,
    source => 'puppet:///modules/app/app.conf',
  }
  file { '@OUT@/motd':
    ensure  => file,
    content => \"hello ${trusted['certname']}\\n\",
  }
  notify { 'hello': }
}
";

impl Sandbox {
    fn new() -> Option<Sandbox> {
        let puppet = puppet()?;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let sandbox = Sandbox {
            _dir: dir,
            root,
            puppet,
        };
        let repo = sandbox.repo();
        git(&repo, &["init", "-q", "-b", "production"]);
        write(&repo.join("modules/app/files/app.conf"), "listen 8080\n");
        sandbox.write_site(SITE);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "web01 serves app.conf"]);
        std::fs::create_dir_all(sandbox.out()).unwrap();
        Some(sandbox)
    }

    fn repo(&self) -> PathBuf {
        self.root.join("control")
    }

    fn out(&self) -> PathBuf {
        self.root.join("out")
    }

    fn reports(&self) -> PathBuf {
        self.root.join("reports")
    }

    fn write_site(&self, text: &str) {
        let text = text.replace("@OUT@", self.out().to_str().unwrap());
        write(&self.repo().join("manifests/site.pp"), &text);
    }

    fn args(&self, certname: &str) -> Vec<String> {
        let repo = self.repo();
        let repo = repo.to_str().unwrap();
        let p = |d: &str| self.root.join(d).to_str().unwrap().to_string();
        vec![
            "--vardir".into(),
            p("var"),
            "--confdir".into(),
            p("conf"),
            "--codedir".into(),
            repo.into(),
            "--modulepath".into(),
            format!("{repo}/modules"),
            "--certname".into(),
            certname.into(),
            "--environment".into(),
            "production".into(),
        ]
    }

    /// `puppet apply` of the working tree's site.pp, printing HEAD as the configuration
    /// version; the report is stored as `reports/<certname>/<name>.yaml`.
    fn apply(&self, certname: &str, name: &str) {
        self.apply_with(certname, name, &[]);
    }

    fn apply_with(&self, certname: &str, name: &str, extra: &[&str]) {
        let repo = self.repo();
        let output = std::process::Command::new(&self.puppet)
            .arg("apply")
            .args(self.args(certname))
            .args(extra)
            .args(["--reports", "store", "--reportdir"])
            .arg(self.reports())
            .arg("--config_version")
            .arg(format!("git -C {} rev-parse HEAD", repo.display()))
            .arg(repo.join("manifests/site.pp"))
            .output()
            .unwrap();
        let dir = self.reports().join(certname);
        let stored = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| {
                panic!(
                    "puppet apply wrote no report in {} ({e}):\n{}\n{}",
                    dir.display(),
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
            })
            .map(|e| e.unwrap().path())
            .find(|p| {
                let n = p.file_name().unwrap().to_str().unwrap();
                n.len() == "202611271555.yaml".len() && n.starts_with("20")
            })
            .expect("a report named by the minute");
        // Two runs in one minute would share the name reports=store gives them.
        std::fs::rename(stored, dir.join(format!("{name}.yaml"))).unwrap();
    }

    /// The catalog Puppet compiles for `certname`, as JSON, saved under `catalogs/`.
    fn compile_catalog(&self, certname: &str) -> PathBuf {
        self.compile_catalog_with(certname, &[])
    }

    fn compile_catalog_with(&self, certname: &str, extra: &[&str]) -> PathBuf {
        let repo = self.repo();
        let output = std::process::Command::new(&self.puppet)
            .args([
                "catalog",
                "find",
                certname,
                "--terminus",
                "compiler",
                "--render-as",
                "json",
            ])
            .args(self.args(certname))
            .args(extra)
            .arg("--manifest")
            .arg(repo.join("manifests/site.pp"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let start = stdout.find('{').unwrap_or_else(|| {
            panic!(
                "no catalog: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        let path = self.root.join("catalogs").join(format!("{certname}.json"));
        write(&path, &stdout[start..]);
        path
    }

    fn audit(&self, extra: &[&str]) -> (Report, i32) {
        let repo = self.repo();
        let reports = self.reports();
        let mut args = vec![
            "--repo",
            repo.to_str().unwrap(),
            "--puppet",
            reports.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        audit_in(&self.root, &args)
    }
}

fn node<'r>(report: &'r Report, certname: &str) -> &'r provenant::model::Component {
    report
        .components
        .iter()
        .find(|c| c.labels.iter().any(|l| l == certname))
        .unwrap_or_else(|| panic!("no component for {certname}"))
}

fn findings<'r>(report: &'r Report, rule: &str) -> Vec<&'r provenant::model::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .collect()
}

#[test]
fn a_real_puppet_apply_is_traced_to_the_commit_it_printed() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let head = git(&sandbox.repo(), &["rev-parse", "HEAD"]);
    sandbox.apply("web01.example.com", "run1");
    let (report, code) = sandbox.audit(&[]);
    let web = node(&report, "web01.example.com");
    assert_eq!(web.properties["puppet.configuration_version"], head);
    assert_eq!(web.properties["puppet.environment"], "production");
    assert_eq!(web.properties["puppet.classified"], "yes");
    assert!(
        web.properties["puppet.classification"]
            .starts_with("node 'web01.example.com' (manifests/site.pp:1)"),
        "{}",
        web.properties["puppet.classification"]
    );
    let trace = &web.traces[0];
    assert_eq!(trace.key, "configuration_version");
    assert_eq!(trace.status, provenant::model::TraceStatus::Released);
    assert_eq!(trace.commit.as_ref().unwrap().id, head);
    assert_eq!(trace.required_branch.as_deref(), Some("production"));
    assert_eq!(trace.release_branches, ["production"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(code, 0);
}

#[test]
fn a_commit_off_the_environments_branch_is_pv002() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let repo = sandbox.repo();
    git(&repo, &["checkout", "-q", "-b", "feature/tls"]);
    write(
        &repo.join("modules/app/files/app.conf"),
        "listen 8443 ssl\n",
    );
    git(&repo, &["commit", "-qam", "try TLS"]);
    let feature = git(&repo, &["rev-parse", "HEAD"]);
    sandbox.apply("web01.example.com", "run1");
    let (report, code) = sandbox.audit(&[]);
    let pv002 = findings(&report, "PV002");
    assert_eq!(pv002.len(), 1, "{:#?}", report.findings);
    assert!(
        pv002[0]
            .message
            .contains(&format!("runs commit {} (on feature/tls)", &feature[..7])),
        "{}",
        pv002[0].message
    );
    assert!(
        pv002[0]
            .message
            .contains("which branch production (environment production) does not contain"),
        "{}",
        pv002[0].message
    );
    assert_eq!(code, 1);

    // Mapped to the branch it is on, the same run is released.
    write(
        &repo.join("provenant.toml"),
        "[environments]\nproduction = \"feature/tls\"\n",
    );
    let (report, _) = sandbox.audit(&["--config", repo.join("provenant.toml").to_str().unwrap()]);
    assert!(
        findings(&report, "PV002").is_empty(),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_file_changed_by_hand_between_two_runs_of_one_commit_is_pv007() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    // The first run creates the file, the second finds it in sync; then someone edits it.
    sandbox.apply("web01.example.com", "run1");
    sandbox.apply("web01.example.com", "run2");
    std::fs::write(sandbox.out().join("app.conf"), "listen 9999 # by hand\n").unwrap();
    sandbox.apply("web01.example.com", "run3");
    let (report, _) = sandbox.audit(&[]);
    let pv007 = findings(&report, "PV007");
    // The notify changes on every run and is not flagged; the file is.
    assert_eq!(pv007.len(), 1, "{:#?}", report.findings);
    let finding = pv007[0];
    let app = sandbox.out().join("app.conf");
    assert!(
        finding
            .message
            .contains(&format!("Puppet changed File[{}]", app.display())),
        "{}",
        finding.message
    );
    assert!(finding.message.contains("inferred"), "{}", finding.message);
    assert!(finding
        .location
        .path
        .ends_with("web01.example.com/run3.yaml"));
    assert!(finding.location.line.is_some());
    let relations: Vec<&str> = finding.chain.iter().map(|l| l.relation.as_str()).collect();
    assert_eq!(
        relations,
        [
            "component",
            "report",
            "resource",
            "manifest",
            "change",
            "previous run"
        ]
    );
    let manifest = &finding.chain[3];
    assert!(
        manifest.value.ends_with("manifests/site.pp:2"),
        "{}",
        manifest.value
    );
    let change = &finding.chain[4].value;
    assert!(change.starts_with("content: {sha256}"), "{change}");
    assert!(finding.chain[5]
        .location
        .as_ref()
        .unwrap()
        .path
        .ends_with("run2.yaml"));
}

#[test]
fn a_node_only_an_uncommitted_definition_classifies_is_pv009() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    // The working tree classifies db01; the commit Puppet prints does not.
    sandbox.write_site(&format!(
        "{SITE}node 'db01.example.com' {{ notify {{ 'db': }} }}\n"
    ));
    sandbox.apply("db01.example.com", "run1");
    let (report, code) = sandbox.audit(&[]);
    let pv009 = findings(&report, "PV009");
    assert_eq!(pv009.len(), 1, "{:#?}", report.findings);
    assert!(
        pv009[0].message.starts_with(
            "db01.example.com reports to Puppet but the committed code does not classify it"
        ),
        "{}",
        pv009[0].message
    );
    assert_eq!(
        node(&report, "db01.example.com").properties["puppet.classified"],
        "no"
    );
    assert_eq!(code, 0, "PV009 is a warning");
}

#[test]
fn a_file_from_a_module_source_no_commit_has_is_pv005() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let repo = sandbox.repo();
    // The committed module file is deployed: its content is committed.
    sandbox.apply("web01.example.com", "run1");
    let catalog = sandbox.compile_catalog("web01.example.com");
    let (report, _) = sandbox.audit(&["--puppet", catalog.to_str().unwrap()]);
    assert!(
        findings(&report, "PV005").is_empty(),
        "{:#?}",
        report.findings
    );
    let web = node(&report, "web01.example.com");
    let digest = web
        .claims
        .iter()
        .find(|c| c.kind == provenant::model::ClaimKind::ContentDigest)
        .expect("the deployed module file is a content claim");
    assert_eq!(
        digest.value,
        format!(
            "sha256:{}",
            provenant::model::id::sha256_hex(b"listen 8080\n")
        )
    );
    // The template-rendered motd is never compared.
    assert!(!web.claims.iter().any(|c| c.key.contains("motd")));

    // Edited on the server, never committed: deployed all the same.
    write(
        &repo.join("modules/app/files/app.conf"),
        "listen 8080\nallow all # hotfix\n",
    );
    sandbox.apply("web01.example.com", "run2");
    let (report, code) = sandbox.audit(&["--puppet", catalog.to_str().unwrap()]);
    let pv005 = findings(&report, "PV005");
    assert_eq!(pv005.len(), 1, "{:#?}", report.findings);
    assert!(
        pv005[0].message.contains("matches no committed file"),
        "{}",
        pv005[0].message
    );
    let source = pv005[0]
        .chain
        .iter()
        .find(|l| l.relation == "source")
        .unwrap();
    assert_eq!(source.value, "app/files/app.conf");
    assert_eq!(code, 1);
}

#[test]
fn a_puppet_node_the_ansible_host_and_the_instance_of_one_machine_are_one_component() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = root.join("repo");
    git(&repo, &["init", "-q", "-b", "production"]);
    write(&repo.join("manifests/site.pp"), "node default {}\n");
    write(
        &repo.join("inventory/prod.ini"),
        "[web]\nweb-01 ansible_host=10.0.1.10\n",
    );
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "control"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "puppet-identity",
        "outputs": {},
        "resources": [{
            "mode": "managed", "type": "aws_instance", "name": "web",
            "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "instances": [{"schema_version": 1, "attributes": {
                "id": "i-0abc123", "private_ip": "10.0.1.10", "tags": {"git_commit": head}
            }, "sensitive_attributes": []}]
        }]
    });
    write(
        &root.join("prod.tfstate"),
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    write(
        &root.join("puppet/web01.yaml"),
        &format!(
            "--- !ruby/object:Puppet::Transaction::Report\nhost: web01.example.com\n\
             time: '2026-01-01T00:00:00+00:00'\nconfiguration_version: production-{}\n\
             environment: production\nresource_statuses: {{}}\n",
            &head[..7]
        ),
    );
    write(
        &root.join("puppet/facts/web01.json"),
        &serde_json::json!({
            "certname": "web01.example.com", "environment": "production",
            "values": {"fqdn": "web01.example.com", "networking": {"ip": "10.0.1.10",
                "interfaces": {"eth0": {"ip": "10.0.1.10"}}},
                "ec2_metadata": {"instance-id": "i-0abc123"}},
            "producer_timestamp": "2026-01-01T00:00:00Z", "producer": "puppet"
        })
        .to_string(),
    );
    let (report, code) = audit_in(
        root,
        &[
            "--repo",
            repo.to_str().unwrap(),
            "--state",
            "prod.tfstate",
            "--inventory",
            repo.join("inventory/prod.ini").to_str().unwrap(),
            "--puppet",
            "puppet",
        ],
    );
    assert_eq!(report.components.len(), 1, "{:#?}", report.components);
    let machine = &report.components[0];
    for label in ["aws_instance.web", "web-01", "web01.example.com"] {
        assert!(
            machine.labels.iter().any(|l| l == label),
            "{label} missing from {:?}",
            machine.labels
        );
    }
    // Both claims trace: the tag to the release branch, the r10k-style version to production.
    let keys: Vec<(&str, Option<&str>)> = machine
        .traces
        .iter()
        .map(|t| (t.key.as_str(), t.required_branch.as_deref()))
        .collect();
    assert!(keys.contains(&("tags.git_commit", None)), "{keys:?}");
    assert!(
        keys.contains(&("configuration_version", Some("production"))),
        "{keys:?}"
    );
    assert!(machine
        .traces
        .iter()
        .all(|t| t.status == provenant::model::TraceStatus::Released));
    assert_eq!(machine.properties["puppet.classified"], "yes");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(code, 0);
}

#[test]
fn a_change_puppet_reports_as_corrective_is_pv007_with_redacted_values() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    git(&repo, &["init", "-q", "-b", "production"]);
    write(&repo.join("manifests/site.pp"), "node default {}\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "control"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    // As Puppet Enterprise writes it: the event marked corrective, its values redacted.
    write(
        &dir.path().join("reports/db01.yaml"),
        &format!(
            "--- !ruby/object:Puppet::Transaction::Report
host: db01.example.com
time: '2026-01-01T00:00:00.5+00:00'
configuration_version: {head}
environment: production
report_format: 12
resource_statuses:
  User[app]:
    title: app
    file: \"/etc/puppetlabs/code/environments/production/manifests/site.pp\"
    line: 7
    resource: User[app]
    resource_type: User
    changed: true
    events:
    - audited: false
      property: password
      previous_value: \"[redacted]\"
      desired_value: \"[redacted]\"
      message: changed [redacted] to [redacted]
      name: password_changed
      status: success
      redacted: true
      corrective_change: true
    corrective_change: true
"
        ),
    );
    let (report, code) = audit_in(
        dir.path(),
        &["--repo", repo.to_str().unwrap(), "--puppet", "reports"],
    );
    let pv007 = findings(&report, "PV007");
    assert_eq!(pv007.len(), 1, "{:#?}", report.findings);
    let f = pv007[0];
    assert!(
        f.message
            .contains("Puppet changed User[app] (password: [redacted] → [redacted])"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("reported by Puppet as a corrective change"),
        "{}",
        f.message
    );
    assert_eq!(
        f.location.line,
        Some(8),
        "the resource's line in the report"
    );
    let manifest = f.chain.iter().find(|l| l.relation == "manifest").unwrap();
    assert_eq!(
        manifest.value,
        "/etc/puppetlabs/code/environments/production/manifests/site.pp:7"
    );
    assert_eq!(code, 0, "PV007 is a warning");
}

#[test]
fn an_md5_checksum_is_compared_with_the_committed_versions_of_its_source() {
    let Some(sandbox) = Sandbox::new() else {
        return;
    };
    let md5 = ["--digest_algorithm", "md5"];
    sandbox.apply_with("web01.example.com", "run1", &md5);
    let catalog = sandbox.compile_catalog_with("web01.example.com", &md5);
    let (report, _) = sandbox.audit(&["--puppet", catalog.to_str().unwrap()]);
    let web = node(&report, "web01.example.com");
    let digest = web
        .claims
        .iter()
        .find(|c| c.kind == provenant::model::ClaimKind::ContentDigest)
        .expect("a content claim");
    use md5::Digest;
    let committed: String = md5::Md5::digest(b"listen 8080\n")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest.value, format!("md5:{committed}"));
    assert!(
        findings(&report, "PV005").is_empty(),
        "{:#?}",
        report.findings
    );

    write(
        &sandbox.repo().join("modules/app/files/app.conf"),
        "listen 1\n",
    );
    sandbox.apply_with("web01.example.com", "run2", &md5);
    let (report, _) = sandbox.audit(&["--puppet", catalog.to_str().unwrap()]);
    let pv005 = findings(&report, "PV005");
    assert_eq!(pv005.len(), 1, "{:#?}", report.findings);
    assert!(pv005[0].message.contains("(md5 "), "{}", pv005[0].message);
}

#[test]
fn truncated_and_mangled_corpus_files_never_panic() {
    use provenant::scan::puppet::files::read_bytes;
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let (input, _) = read_bytes(&bytes[..cut], "cut");
            if input.status == InputStatus::Unreadable {
                assert!(!input.detail.is_empty());
            }
            // A flipped byte in the middle: read or refused, never a panic.
            let mut mangled = bytes.clone();
            mangled[cut] ^= 0x5a;
            let _ = read_bytes(&mangled, "mangled");
        }
    }
}
