//! The real `terraform` the tests compare against, shared by every test that runs it: found on
//! `PATH`, else in `$ORACLES_DIR/bin` (default `/tmp/oracles`, where
//! `shared/tools/setup-oracles.sh` installs it with the offline `hashicorp/null` provider
//! mirror). Without it a test prints why and passes, except in CI (`CI` set), where it fails
//! loudly.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Terraform {
    pub binary: PathBuf,
    pub version: (u64, u64, u64),
    pub cli_config: PathBuf,
}

impl Terraform {
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DATA_DIR")
            .env_remove("TF_WORKSPACE");
        command
    }

    /// Runs Terraform and returns its standard output; any failure fails the test.
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.command(dir, args).output().expect("run terraform");
        assert!(
            output.status.success(),
            "terraform {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("terraform prints UTF-8")
    }

    /// `terraform_data` is built into Terraform 1.4 and later.
    pub fn has_terraform_data(&self) -> bool {
        self.version >= (1, 4, 0)
    }
}

fn oracles_dir() -> PathBuf {
    std::env::var_os("ORACLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/tmp/oracles".into())
}

/// Terraform and the provider mirror, or why they are not there.
fn find_terraform() -> Result<Terraform, String> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("terraform"))
                .collect()
        })
        .unwrap_or_default();
    candidates.push(oracles_dir().join("bin/terraform"));
    let binary = candidates
        .into_iter()
        .find(|candidate| candidate.is_file())
        .ok_or("no `terraform` on PATH or in $ORACLES_DIR/bin")?;
    let cli_config = oracles_dir().join("terraformrc");
    if !cli_config.is_file() {
        return Err(format!(
            "{} is missing: run shared/tools/setup-oracles.sh for the provider mirror",
            cli_config.display()
        ));
    }
    let output = Command::new(&binary)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let info: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`terraform version -json` printed no JSON: {e}"))?;
    let version = info["terraform_version"].as_str().unwrap_or_default();
    let mut numbers = version
        .split(['.', '-'])
        .map(|n| n.parse::<u64>().unwrap_or(0));
    let version = (
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
    );
    Ok(Terraform {
        binary,
        version,
        cli_config,
    })
}

/// Terraform when it is there; `None` (after saying why) outside CI when it is not.
pub fn terraform() -> Option<&'static Terraform> {
    static FOUND: OnceLock<Result<Terraform, String>> = OnceLock::new();
    match FOUND.get_or_init(find_terraform) {
        Ok(terraform) => Some(terraform),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI must have the real terraform: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}
