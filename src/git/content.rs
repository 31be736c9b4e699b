//! Which committed paths count as configuration, decided in one place.
//!
//! The git index records digests only for blobs at configuration-looking paths: that keeps the
//! index small on repositories that also hold application code, while still covering every file
//! a configuration-management tool could have deployed. [`is_configuration_path`] is the one
//! decision; the history walk asks the same question in two halves ([`is_configuration_dir`]
//! for each directory on the way down, [`is_configuration_file_name`] at the leaf) so that it
//! never has to build a full path string for a file it will not record. The halves are exactly
//! the rule: a path is configuration when any of its directories is a configuration directory or
//! its file name is a configuration file name.

/// Endings of configuration file names, compared case-insensitively. `.tf.json` and
/// `.tfvars.json` are covered by `.json`, and a bare `.env` file by `.env`; they stay listed so
/// the table reads as the documented list.
const EXTENSIONS: &[&str] = &[
    ".tf",
    ".tf.json",
    ".tfvars",
    ".tfvars.json",
    ".hcl",
    ".yml",
    ".yaml",
    ".json",
    ".ini",
    ".cfg",
    ".conf",
    ".toml",
    ".j2",
    ".erb",
    ".epp",
    ".pp",
    ".sh",
    ".service",
    ".properties",
    ".xml",
    ".env",
];

/// Whole file names that are configuration whatever their directory (Ansible inventories
/// without an extension, r10k's Puppetfile).
const FILE_NAMES: &[&str] = &["hosts", "inventory", "Puppetfile", "ansible.cfg"];

/// Directory names whose whole contents are configuration at any depth: what Ansible roles
/// (`files/`, `templates/`), Puppet modules (`manifests/`, `files/`, `templates/`) and Ansible
/// inventories (`group_vars/`, `host_vars/`, `inventories/`, `inventory/`) deploy verbatim.
const DIRECTORIES: &[&str] = &[
    "files",
    "templates",
    "manifests",
    "group_vars",
    "host_vars",
    "inventories",
    "inventory",
];

/// Whether a repository path (`/`-separated, relative to the repository root) looks like
/// configuration whose content may be deployed.
pub fn is_configuration_path(path: &str) -> bool {
    let (dirs, name) = match path.rsplit_once('/') {
        Some((dirs, name)) => (Some(dirs), name),
        None => (None, path),
    };
    dirs.is_some_and(|dirs| dirs.split('/').any(is_configuration_dir))
        || is_configuration_file_name(name)
}

/// Whether everything below a directory with this name is configuration.
pub(crate) fn is_configuration_dir(name: &str) -> bool {
    DIRECTORIES.contains(&name)
}

/// Whether a file with this name is configuration wherever it lives.
pub(crate) fn is_configuration_file_name(name: &str) -> bool {
    if FILE_NAMES.contains(&name) {
        return true;
    }
    let bytes = name.as_bytes();
    EXTENSIONS.iter().any(|ext| {
        bytes.len() >= ext.len()
            && bytes[bytes.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_count_at_any_depth_and_any_case() {
        for path in [
            "main.tf",
            "modules/web/main.tf.json",
            "env/prod.tfvars",
            "env/prod.tfvars.json",
            "terragrunt.hcl",
            "playbook.yml",
            "roles/web/tasks/main.YAML",
            "config.json",
            "php.ini",
            "ansible.cfg",
            "nginx.conf",
            "pyproject.toml",
            "roles/web/x.conf.j2",
            "modules/ntp/templates/ntp.erb",
            "ntp.epp",
            "site.pp",
            "deploy.sh",
            "app.service",
            "app.properties",
            "pom.xml",
            ".env",
            "prod.env",
        ] {
            assert!(is_configuration_path(path), "{path}");
        }
    }

    #[test]
    fn special_names_and_directories_count() {
        for path in [
            "hosts",
            "inventory",
            "Puppetfile",
            "ansible/inventory/prod",
            "roles/web/files/motd",
            "modules/ntp/templates/anything.bin",
            "deep/a/b/manifests/x",
            "group_vars/all",
            "inventories/prod/host_vars/web-01",
        ] {
            assert!(is_configuration_path(path), "{path}");
        }
    }

    #[test]
    fn other_paths_do_not_count() {
        for path in [
            "README.md",
            "src/main.rs",
            "files",
            "docs/hosts.txt",
            "filesystem/x.bin",
            "my_files/x.bin",
            "tf",
            "env",
        ] {
            assert!(!is_configuration_path(path), "{path}");
        }
    }

    #[test]
    fn the_halves_agree_with_the_whole() {
        // The walk decides with (any directory is a configuration directory) || (file name);
        // is_configuration_path must be exactly that.
        for path in [
            "a/files/x",
            "a/b/x.tf",
            "a/b/x",
            "files",
            "x/inventory",
            "inventory/x",
        ] {
            let mut parts: Vec<&str> = path.split('/').collect();
            let name = parts.pop().unwrap();
            let halves =
                parts.iter().any(|d| is_configuration_dir(d)) || is_configuration_file_name(name);
            assert_eq!(halves, is_configuration_path(path), "{path}");
        }
    }
}
