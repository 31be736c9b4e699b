//! The inventory as Ansible holds it in memory (`InventoryData`): groups with their vars,
//! children and hosts, hosts with their vars, and the rules that tie them together: `all` and
//! `ungrouped` always exist, a group nobody adopted becomes a child of `all`, a host in no
//! group but `all` lands in `ungrouped`, a group may not contain itself. The readers of each
//! format fill it through the same few operations Ansible's plugins call, so every format gets
//! the same semantics.
//!
//! [`Inventory::host_vars`] merges a host's variables in the order `ansible-inventory --list`
//! does (`VariableManager.get_vars`): `all`'s inline vars, the inline vars of the host's groups
//! sorted by depth, priority and name, `group_vars/all`, `group_vars/<group>` in the same
//! order, the host's inline vars, `host_vars/<host>`; later wins, whole values replace.

use crate::model::Location;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A variable's value and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub value: Value,
    pub origin: Location,
}

/// Variables by name.
pub type Vars = BTreeMap<String, Var>;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub vars: Vars,
    /// Child groups, in the order they were added.
    pub children: Vec<usize>,
    pub parents: Vec<usize>,
    /// Hosts listed directly in the group, in the order they were added.
    pub hosts: Vec<usize>,
    /// `ansible_group_priority`: among groups of one depth, higher priority wins later.
    pub priority: i64,
    /// Where the group was first declared.
    pub origin: Option<Location>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: String,
    /// Inline variables (inventory file, or `_meta.hostvars`).
    pub vars: Vars,
    /// Groups the host was put in directly, in order.
    pub groups: Vec<usize>,
    /// Where the host was first defined.
    pub origin: Location,
}

/// One variables file from `group_vars/` or `host_vars/`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct VarsFile {
    pub vars: Vars,
}

/// A host's merged variables, each with the place that set it.
pub type MergedVars<'a> = BTreeMap<&'a str, &'a Var>;

#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    pub groups: Vec<Group>,
    pub hosts: Vec<Host>,
    group_index: HashMap<String, usize>,
    host_index: HashMap<String, usize>,
    /// `group_vars/<name>` files per group and `host_vars/<name>` per host, merged in
    /// Ansible's order: inventory directories first, then the playbook directory.
    pub group_files: HashMap<String, Vec<std::sync::Arc<VarsFile>>>,
    pub host_files: HashMap<String, Vec<std::sync::Arc<VarsFile>>>,
    depths: Vec<u32>,
    /// Per group, itself and its ancestors but `all`, in precedence order (set by `reconcile`):
    /// most hosts are in one group, and share its chain.
    chains: Vec<Vec<usize>>,
}

pub const ALL: usize = 0;
pub const UNGROUPED: usize = 1;

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}

impl Inventory {
    pub fn new() -> Self {
        let mut inventory = Inventory {
            groups: Vec::new(),
            hosts: Vec::new(),
            group_index: HashMap::new(),
            host_index: HashMap::new(),
            group_files: HashMap::new(),
            host_files: HashMap::new(),
            depths: Vec::new(),
            chains: Vec::new(),
        };
        inventory.add_group("all", None);
        inventory.add_group("ungrouped", None);
        let _ = inventory.add_child_group(ALL, UNGROUPED);
        inventory
    }

    pub fn group(&self, name: &str) -> Option<usize> {
        self.group_index.get(name).copied()
    }

    pub fn host(&self, name: &str) -> Option<usize> {
        self.host_index.get(name).copied()
    }

    /// The group's index, creating it when it is new.
    pub fn add_group(&mut self, name: &str, origin: Option<Location>) -> usize {
        if let Some(&i) = self.group_index.get(name) {
            return i;
        }
        let i = self.groups.len();
        self.groups.push(Group {
            name: name.to_string(),
            vars: Vars::new(),
            children: Vec::new(),
            parents: Vec::new(),
            hosts: Vec::new(),
            priority: 1,
            origin,
        });
        self.group_index.insert(name.to_string(), i);
        i
    }

    /// `add_host(name, group, port)`: a new host gets `ansible_port` from the port; a known
    /// host keeps what it has.
    pub fn add_host(
        &mut self,
        name: &str,
        group: Option<usize>,
        port: Option<u32>,
        origin: &Location,
    ) -> Result<usize, String> {
        if name.is_empty() {
            return Err("an empty host name".into());
        }
        let h = match self.host_index.get(name) {
            Some(&h) => h,
            None => {
                let h = self.hosts.len();
                let mut vars = Vars::new();
                if let Some(port) = port.filter(|&p| p != 0) {
                    vars.insert(
                        "ansible_port".into(),
                        Var {
                            value: Value::from(port),
                            origin: origin.clone(),
                        },
                    );
                }
                self.hosts.push(Host {
                    name: name.to_string(),
                    vars,
                    groups: Vec::new(),
                    origin: origin.clone(),
                });
                self.host_index.insert(name.to_string(), h);
                h
            }
        };
        if let Some(g) = group {
            self.add_host_to_group(g, h);
        }
        Ok(h)
    }

    pub fn add_host_to_group(&mut self, g: usize, h: usize) {
        if !self.hosts[h].groups.contains(&g) {
            self.hosts[h].groups.push(g);
            self.groups[g].hosts.push(h);
        }
    }

    /// `set_variable(entity, key, value)`: a group of that name wins over a host of that name,
    /// as in Ansible. `ansible_group_priority` sets a group's priority instead of a variable.
    pub fn set_variable(&mut self, entity: &str, key: &str, var: Var) -> Result<(), String> {
        if let Some(g) = self.group(entity) {
            self.set_group_var(g, key, var)
        } else if let Some(h) = self.host(entity) {
            self.hosts[h].vars.insert(key.to_string(), var);
            Ok(())
        } else {
            Err(format!("no group or host named `{entity}`"))
        }
    }

    pub fn set_group_var(&mut self, g: usize, key: &str, var: Var) -> Result<(), String> {
        if key == "ansible_group_priority" {
            self.groups[g].priority = priority(&var.value).ok_or_else(|| {
                format!(
                    "ansible_group_priority of group `{}` must be a whole number",
                    self.groups[g].name
                )
            })?;
            return Ok(());
        }
        self.groups[g].vars.insert(key.to_string(), var);
        Ok(())
    }

    /// `add_child(group, child)` for a child that is a group.
    pub fn add_child_group(&mut self, parent: usize, child: usize) -> Result<(), String> {
        if parent == child {
            return Err(format!(
                "group `{}` cannot be a child of itself",
                self.groups[parent].name
            ));
        }
        if self.groups[parent].children.contains(&child) {
            return Ok(());
        }
        if self.ancestors(parent).contains(&child) {
            return Err(format!(
                "adding group `{}` as a child of `{}` creates a loop",
                self.groups[child].name, self.groups[parent].name
            ));
        }
        self.groups[parent].children.push(child);
        if !self.groups[child].parents.contains(&parent) {
            self.groups[child].parents.push(parent);
        }
        Ok(())
    }

    /// `add_child(group, name)`: a group of that name, else a host of that name.
    pub fn add_child(&mut self, parent: usize, name: &str) -> Result<(), String> {
        if let Some(child) = self.group(name) {
            self.add_child_group(parent, child)
        } else if let Some(h) = self.host(name) {
            self.add_host_to_group(parent, h);
            Ok(())
        } else {
            Err(format!(
                "`{name}` is neither a known host nor a known group"
            ))
        }
    }

    /// Every group above `g`.
    pub fn ancestors(&self, g: usize) -> Vec<usize> {
        let mut seen = vec![false; self.groups.len()];
        let mut pending = self.groups[g].parents.clone();
        let mut out = Vec::new();
        while let Some(p) = pending.pop() {
            if !std::mem::replace(&mut seen[p], true) {
                out.push(p);
                pending.extend(self.groups[p].parents.iter().copied());
            }
        }
        out
    }

    /// `reconcile_inventory`: orphan groups join `all`; a host in no group but `all` joins
    /// `ungrouped`, and a host in another group leaves it. Then depths are computed.
    pub fn reconcile(&mut self) {
        for g in 0..self.groups.len() {
            if g != ALL && self.groups[g].parents.is_empty() {
                let _ = self.add_child_group(ALL, g);
            }
        }
        let mut leaving = vec![false; self.hosts.len()];
        for (h, leaves) in leaving.iter_mut().enumerate() {
            let groups = self.host_groups(h);
            if groups.contains(&UNGROUPED) {
                if groups.iter().any(|&g| g != ALL && g != UNGROUPED) {
                    *leaves = true;
                    self.hosts[h].groups.retain(|&x| x != UNGROUPED);
                }
            } else if groups.iter().all(|&g| g == ALL) {
                self.add_host_to_group(UNGROUPED, h);
            }
        }
        self.groups[UNGROUPED].hosts.retain(|&h| !leaving[h]);
        self.depths = self.compute_depths();
        self.chains = Vec::new();
        let chains = (0..self.groups.len())
            .map(|g| {
                let mut chain = self.ancestors(g);
                chain.push(g);
                chain.retain(|&x| x != ALL);
                self.sort_by_precedence(&mut chain);
                chain
            })
            .collect();
        self.chains = chains;
    }

    fn sort_by_precedence(&self, groups: &mut [usize]) {
        groups.sort_by(|&a, &b| {
            (self.depth(a), self.groups[a].priority, &self.groups[a].name).cmp(&(
                self.depth(b),
                self.groups[b].priority,
                &self.groups[b].name,
            ))
        });
    }

    /// Longest path from `all`, which is what Ansible's incremental depths amount to.
    fn compute_depths(&self) -> Vec<u32> {
        let n = self.groups.len();
        let mut depth: Vec<Option<u32>> = vec![None; n];
        for g in 0..n {
            // Iterative post-order over parents; the group graph has no cycles.
            let mut stack = vec![(g, false)];
            while let Some((x, expanded)) = stack.pop() {
                if depth[x].is_some() {
                    continue;
                }
                if expanded {
                    let d = self.groups[x]
                        .parents
                        .iter()
                        .filter_map(|&p| depth[p])
                        .map(|d| d + 1)
                        .max()
                        .unwrap_or(0);
                    depth[x] = Some(d);
                } else {
                    stack.push((x, true));
                    for &p in &self.groups[x].parents {
                        if depth[p].is_none() {
                            stack.push((p, false));
                        }
                    }
                }
            }
        }
        depth.into_iter().map(|d| d.unwrap_or(0)).collect()
    }

    pub fn depth(&self, g: usize) -> u32 {
        self.depths.get(g).copied().unwrap_or(0)
    }

    /// The host's groups and all their ancestors (`all` included), each once.
    pub fn host_groups(&self, h: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for &g in &self.hosts[h].groups {
            if !out.contains(&g) {
                out.push(g);
            }
            for a in self.ancestors(g) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// The host's groups but `all`, in variable precedence order: depth, priority, name.
    pub fn sorted_host_groups(&self, h: usize) -> Vec<usize> {
        if let [g] = self.hosts[h].groups.as_slice() {
            if let Some(chain) = self.chains.get(*g) {
                return chain.clone();
            }
        }
        let mut groups: Vec<usize> = self
            .host_groups(h)
            .into_iter()
            .filter(|&g| g != ALL)
            .collect();
        self.sort_by_precedence(&mut groups);
        groups
    }

    /// The host's variables merged as `ansible-inventory --list` merges them.
    pub fn host_vars(&self, h: usize) -> MergedVars<'_> {
        let mut merged: MergedVars<'_> = BTreeMap::new();
        let groups = self.sorted_host_groups(h);
        for (k, v) in &self.groups[ALL].vars {
            merged.insert(k, v);
        }
        for &g in &groups {
            for (k, v) in &self.groups[g].vars {
                merged.insert(k, v);
            }
        }
        let files_of = |name: &str| self.group_files.get(name).into_iter().flatten();
        for file in files_of("all") {
            for (k, v) in &file.vars {
                merged.insert(k, v);
            }
        }
        for &g in &groups {
            for file in files_of(&self.groups[g].name) {
                for (k, v) in &file.vars {
                    merged.insert(k, v);
                }
            }
        }
        let host = &self.hosts[h];
        for (k, v) in &host.vars {
            merged.insert(k, v);
        }
        for file in self.host_files.get(&host.name).into_iter().flatten() {
            for (k, v) in &file.vars {
                merged.insert(k, v);
            }
        }
        merged
    }
}

fn priority(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(v: Value) -> Var {
        Var {
            value: v,
            origin: Location::file("t"),
        }
    }

    #[test]
    fn group_vars_merge_by_depth_then_name_and_host_vars_win() {
        let mut inv = Inventory::new();
        let origin = Location::file("t");
        let web = inv.add_group("web", None);
        let prod = inv.add_group("prod", None);
        inv.add_child_group(prod, web).unwrap();
        let h = inv.add_host("h1", Some(web), None, &origin).unwrap();
        inv.set_group_var(ALL, "x", var("all".into())).unwrap();
        inv.set_group_var(web, "x", var("web".into())).unwrap();
        inv.set_group_var(prod, "x", var("prod".into())).unwrap();
        inv.set_group_var(prod, "y", var("prod".into())).unwrap();
        inv.reconcile();
        let vars = inv.host_vars(h);
        assert_eq!(vars["x"].value, Value::from("web"));
        assert_eq!(vars["y"].value, Value::from("prod"));
        inv.set_variable("h1", "x", var("host".into())).unwrap();
        assert_eq!(inv.host_vars(h)["x"].value, Value::from("host"));
    }

    #[test]
    fn loops_are_refused_and_orphans_join_all() {
        let mut inv = Inventory::new();
        let a = inv.add_group("a", None);
        let b = inv.add_group("b", None);
        inv.add_child_group(a, b).unwrap();
        assert!(inv.add_child_group(b, a).is_err());
        assert!(inv.add_child_group(a, a).is_err());
        let h = inv
            .add_host("lonely", Some(ALL), None, &Location::file("t"))
            .unwrap();
        inv.reconcile();
        assert!(inv.groups[ALL].children.contains(&a));
        assert!(!inv.groups[ALL].children.contains(&b));
        assert!(inv.groups[UNGROUPED].hosts.contains(&h));
    }
}
