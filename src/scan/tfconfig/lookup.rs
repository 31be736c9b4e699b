//! Finding the block that declares a state's resource instance in a configuration: down the
//! module calls named by the instance's module path, through `moved` blocks from old addresses
//! to new ones, stopping at `removed` blocks and at calls of registry or remote modules (whose
//! code is not read, so they declare whatever sits under their address).

use super::config::Configuration;
use super::module::strip_keys;

/// Moves followed at most, so that a cycle of `moved` blocks ends.
const MAX_MOVES: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A resource block: node and index into its module's resources. `moved` holds the
    /// `moved` blocks followed on the way, as (node, index into the module's `moved`).
    Resource {
        node: usize,
        resource: usize,
        moved: Vec<(usize, usize)>,
    },
    /// Under the call `call` of `node`, a registry or remote module (or a local directory that
    /// is missing): its code was not read.
    ModuleCall {
        node: usize,
        call: usize,
    },
    /// A `removed` block of `node` names the address.
    Removed {
        node: usize,
        block: usize,
    },
    Nothing,
}

/// The address of an instance without its keys, relative to the root module:
/// `module.web.aws_instance.app`, `data.aws_ami.x`.
pub fn relative_address(module: &str, data: bool, resource_type: &str, name: &str) -> String {
    let mut out = strip_keys(module);
    if !out.is_empty() {
        out.push('.');
    }
    if data {
        out.push_str("data.");
    }
    out.push_str(resource_type);
    out.push('.');
    out.push_str(name);
    out
}

/// Whether `address` is `prefix` or lies below it.
fn under<'a>(address: &'a str, prefix: &str) -> Option<&'a str> {
    if address == prefix {
        Some("")
    } else {
        address.strip_prefix(prefix)?.strip_prefix('.')
    }
}

fn join(head: &str, rest: &str) -> String {
    if rest.is_empty() {
        head.to_string()
    } else {
        format!("{head}.{rest}")
    }
}

/// Finds what declares `address` (as [`relative_address`] writes it) in `config`.
pub fn find(config: &Configuration, address: &str) -> Found {
    let mut moved = Vec::new();
    find_in(config, 0, address.to_string(), &mut moved, 0)
}

fn find_in(
    config: &Configuration,
    node: usize,
    mut address: String,
    moved: &mut Vec<(usize, usize)>,
    moves: usize,
) -> Found {
    let module = &config.nodes[node].module;
    if moves < MAX_MOVES {
        for (i, block) in module.moved.iter().enumerate() {
            let (Some(from), Some(to)) = (&block.from, &block.to) else {
                continue;
            };
            if let Some(rest) = under(&address, from) {
                address = join(to, rest);
                moved.push((node, i));
                return find_in(config, node, address, moved, moves + 1);
            }
        }
    }
    for (i, block) in module.removed.iter().enumerate() {
        if let Some(from) = &block.from {
            if under(&address, from).is_some() {
                return Found::Removed { node, block: i };
            }
        }
    }
    if let Some(rest) = address.strip_prefix("module.") {
        let (name, rest) = rest.split_once('.').unwrap_or((rest, ""));
        let Some(call) = module.calls.iter().position(|c| c.name == name) else {
            return Found::Nothing;
        };
        return match config.child(node, name) {
            Some(child) => find_in(config, child, rest.to_string(), moved, moves),
            None => Found::ModuleCall { node, call },
        };
    }
    let (data, rest) = match address.strip_prefix("data.") {
        Some(rest) => (true, rest),
        None => (false, address.as_str()),
    };
    let Some((resource_type, name)) = rest.split_once('.') else {
        return Found::Nothing;
    };
    match module
        .resources
        .iter()
        .position(|r| r.data == data && r.resource_type == resource_type && r.name == name)
    {
        Some(resource) => Found::Resource {
            node,
            resource,
            moved: moved.clone(),
        },
        None => Found::Nothing,
    }
}

/// Whether the configuration has the module path of `address` and a block of its resource
/// type there: a weaker sign than [`find`] that a state belongs to the configuration, for
/// states whose resources were renamed since.
pub fn near(config: &Configuration, address: &str) -> bool {
    let mut node = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let (name, tail) = after.split_once('.').unwrap_or((after, ""));
        match config.child(node, name) {
            Some(child) => node = child,
            None => {
                return config.nodes[node]
                    .module
                    .calls
                    .iter()
                    .any(|c| c.name == name)
            }
        }
        rest = tail;
    }
    let (data, rest) = match rest.strip_prefix("data.") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let resource_type = rest.split('.').next().unwrap_or(rest);
    config.nodes[node]
        .module
        .resources
        .iter()
        .any(|r| r.data == data && r.resource_type == resource_type)
}

/// The address pattern of a resource block: `module.web[*].aws_instance.app[*]`.
pub fn pattern(config: &Configuration, node: usize, resource: usize) -> String {
    let mut parts = Vec::new();
    let mut current = node;
    while let (Some(parent), Some(call)) =
        (config.nodes[current].parent, config.nodes[current].call)
    {
        let call = &config.nodes[parent].module.calls[call];
        parts.push(format!("module.{}{}", call.name, call.repetition.pattern()));
        current = parent;
    }
    parts.reverse();
    let r = &config.nodes[node].module.resources[resource];
    let data = if r.data { "data." } else { "" };
    parts.push(format!(
        "{data}{}.{}{}",
        r.resource_type,
        r.name,
        r.repetition.pattern()
    ));
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_addresses_drop_keys() {
        assert_eq!(
            relative_address(r#"module.a[0].module.b["k"]"#, false, "aws_instance", "web"),
            "module.a.module.b.aws_instance.web"
        );
        assert_eq!(relative_address("", true, "aws_ami", "x"), "data.aws_ami.x");
    }

    #[test]
    fn prefixes_match_whole_names() {
        assert_eq!(under("module.ab.x", "module.a"), None);
        assert_eq!(under("module.a.x", "module.a"), Some("x"));
        assert_eq!(under("module.a", "module.a"), Some(""));
    }
}
