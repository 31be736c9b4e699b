//! Committed values: what an attribute's expression comes to without running Terraform.
//!
//! Literals (strings, numbers, booleans, lists, maps and objects of literals), templates of
//! literals, `var.x` (through the committed `terraform.tfvars` and `*.auto.tfvars`, the call's
//! arguments for a child module, then the variable's default) and `local.x` whose value is
//! itself of those kinds are evaluated with hcl-rs, with `count.index` and `each.key` taken
//! from the instance. No function is declared to the evaluator: a function call, a reference
//! to another resource, a data source or `path.module` cannot be evaluated, and the attribute
//! is counted as not compared, with the reason.

use super::config::Configuration;
use super::module::Repetition;
use super::syntax::Body;
use crate::model::IndexKey;
use hcl::eval::{Context, Evaluate};
use hcl::{Expression, Value};
use std::collections::BTreeSet;

/// Rounds of local evaluation: a local may refer to another declared after it.
const LOCAL_ROUNDS: usize = 4;

/// The names and values a module's expressions can see.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: hcl::Map<String, Value>,
    locals: hcl::Map<String, Value>,
    /// Variables declared `sensitive = true`.
    sensitive: BTreeSet<String>,
    /// Variables a `-var-file` file in the root directory sets, with that file's name: their
    /// value at apply time cannot be known.
    ambiguous: std::collections::BTreeMap<String, String>,
    /// `var` and `local` declared to the evaluator, built once: a context holds its own copy
    /// of every value, and the same scope evaluates every attribute of every instance.
    context: std::sync::OnceLock<Context<'static>>,
}

impl Scope {
    fn context(&self) -> Context<'static> {
        let mut ctx = Context::new();
        ctx.declare_var("var", Value::Object(self.vars.clone()));
        ctx.declare_var("local", Value::Object(self.locals.clone()));
        ctx
    }

    /// Evaluates `expr` in this scope, as seen from an instance with `key`.
    pub fn evaluate(
        &self,
        expr: &Expression,
        key: Option<&IndexKey>,
        each_value: Option<&Value>,
    ) -> Result<Value, String> {
        let base = self.context.get_or_init(|| self.context());
        // Only an expression that reads `count` or `each` needs a context of its own.
        if key.is_none() || !reads_instance(expr) {
            return expr.evaluate(base).map_err(|_| why_not(expr, self));
        }
        let mut ctx = base.clone();
        match key {
            Some(IndexKey::Int(i)) => {
                let mut count = hcl::Map::new();
                count.insert("index".to_string(), Value::from(*i));
                ctx.declare_var("count", Value::Object(count));
            }
            Some(IndexKey::Str(k)) => {
                let mut each = hcl::Map::new();
                each.insert("key".to_string(), Value::from(k.clone()));
                if let Some(value) = each_value {
                    each.insert("value".to_string(), value.clone());
                }
                ctx.declare_var("each", Value::Object(each));
            }
            None => {}
        }
        expr.evaluate(&ctx).map_err(|_| why_not(expr, self))
    }

    /// Whether `expr` reads a variable declared sensitive.
    pub fn reads_sensitive(&self, expr: &Expression) -> bool {
        let mut found = false;
        visit(expr, &mut |e| {
            if let Some(name) = var_name(e) {
                found |= self.sensitive.contains(&name);
            }
        });
        found
    }
}

/// The scope of every node of a configuration, in node order: the root's from its variable
/// files and defaults, each child's from its call's arguments evaluated in its parent's scope.
pub fn scopes(config: &Configuration) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = Vec::with_capacity(config.nodes.len());
    for node in &config.nodes {
        let module = &node.module;
        let mut scope = Scope::default();
        for (name, decl) in &module.variables {
            if decl.sensitive {
                scope.sensitive.insert(name.clone());
            }
            if let Some(default) = &decl.default {
                if let Ok(value) = default.evaluate(&Context::new()) {
                    scope.vars.insert(name.clone(), value);
                }
            }
        }
        match (node.parent, node.call) {
            (Some(parent), Some(call)) => {
                let parent_scope = &scopes[parent];
                let call = &config.nodes[parent].module.calls[call];
                for attr in &call.block.body.attributes {
                    if module.variable(&attr.name).is_none() {
                        continue;
                    }
                    match parent_scope.evaluate(&attr.expr, None, None) {
                        Ok(value) => {
                            scope.vars.insert(attr.name.clone(), value);
                        }
                        // Set to something we cannot evaluate: the default does not apply.
                        Err(_) => {
                            scope.vars.shift_remove(&attr.name);
                        }
                    }
                    if parent_scope.reads_sensitive(&attr.expr) {
                        scope.sensitive.insert(attr.name.clone());
                    }
                }
            }
            _ => {
                for file in &module.var_files {
                    let Ok(body) = file.body.as_ref() else {
                        continue;
                    };
                    for attr in &body.attributes {
                        if let Ok(value) = attr.expr.evaluate(&Context::new()) {
                            scope.vars.insert(attr.name.clone(), value);
                        } else {
                            scope.vars.shift_remove(&attr.name);
                        }
                    }
                }
            }
        }
        if node.parent.is_none() {
            for file in &module.other_var_files {
                let Ok(body) = file.body.as_ref() else {
                    continue;
                };
                for attr in &body.attributes {
                    scope.vars.shift_remove(&attr.name);
                    scope.ambiguous.insert(attr.name.clone(), file.name.clone());
                }
            }
        }
        for _ in 0..LOCAL_ROUNDS {
            let mut added = false;
            for (name, expr) in &module.locals {
                if scope.locals.contains_key(name) {
                    continue;
                }
                if let Ok(value) = expr.evaluate(&scope.context()) {
                    scope.locals.insert(name.clone(), value);
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
        scopes.push(scope);
    }
    scopes
}

/// One attribute a block sets, with its committed value or why it has none.
#[derive(Debug, Clone)]
pub struct Setting {
    /// `instance_type`, `root_block_device[0].volume_size`.
    pub path: Vec<Step>,
    pub line: u32,
    pub value: Result<serde_json::Value, String>,
    /// The expression reads a sensitive variable.
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    /// The n-th nested block of a type.
    Block(String, usize),
}

/// `a.b[0].c` for a path.
pub fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        if !out.is_empty() {
            out.push('.');
        }
        match step {
            Step::Key(k) => out.push_str(k),
            Step::Block(k, i) => out.push_str(&format!("{k}[{i}]")),
        }
    }
    out
}

/// Arguments of a resource block that configure Terraform, not the resource.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "provider", "depends_on"];
/// Nested blocks that configure Terraform, not the resource.
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Every attribute a resource body sets (nested blocks included), evaluated for the instance
/// with `key`.
pub fn settings(
    body: &Body,
    repetition: &Repetition,
    scope: &Scope,
    key: Option<&IndexKey>,
) -> Vec<Setting> {
    settings_matching(body, repetition, scope, key, None)
}

/// The one setting at `path` of [`settings`], evaluating nothing else: looking for the
/// version of a configuration that had a value reads one attribute of many versions.
pub fn setting_at(
    body: &Body,
    repetition: &Repetition,
    scope: &Scope,
    key: Option<&IndexKey>,
    path: &[Step],
) -> Option<Setting> {
    settings_matching(body, repetition, scope, key, Some(path))
        .into_iter()
        .next()
}

fn settings_matching(
    body: &Body,
    repetition: &Repetition,
    scope: &Scope,
    key: Option<&IndexKey>,
    only: Option<&[Step]>,
) -> Vec<Setting> {
    let each_value = match (repetition, key) {
        (Repetition::ForEach(expr), Some(IndexKey::Str(k))) => {
            match scope.evaluate(expr, None, None) {
                Ok(Value::Object(map)) => map.get(k).cloned(),
                Ok(Value::Array(items)) => items
                    .iter()
                    .find(|i| i.as_str() == Some(k.as_str()))
                    .cloned(),
                _ => None,
            }
        }
        _ => None,
    };
    let mut out = Vec::new();
    let instance = Instance {
        scope,
        key,
        each_value: each_value.as_ref(),
        only,
    };
    collect(body, &mut Vec::new(), &instance, true, &mut out);
    out.sort_by_key(|s| s.line);
    out
}

/// What [`collect`] evaluates for: the instance, and the one path wanted, if only one.
struct Instance<'a> {
    scope: &'a Scope,
    key: Option<&'a IndexKey>,
    each_value: Option<&'a Value>,
    only: Option<&'a [Step]>,
}

impl Instance<'_> {
    /// Whether the setting at `path` is wanted (`whole`) or may be below it (not `whole`).
    fn wants(&self, path: &[Step], whole: bool) -> bool {
        match self.only {
            None => true,
            Some(only) if whole => only == path,
            Some(only) => only.starts_with(path),
        }
    }
}

fn collect(
    body: &Body,
    path: &mut Vec<Step>,
    instance: &Instance<'_>,
    top: bool,
    out: &mut Vec<Setting>,
) {
    let scope = instance.scope;
    for attr in &body.attributes {
        if top && META_ARGUMENTS.contains(&attr.name.as_str()) {
            continue;
        }
        path.push(Step::Key(attr.name.clone()));
        if !instance.wants(path, true) {
            path.pop();
            continue;
        }
        let value = scope
            .evaluate(&attr.expr, instance.key, instance.each_value)
            .and_then(|v| serde_json::to_value(&v).map_err(|e| e.to_string()));
        out.push(Setting {
            path: path.clone(),
            line: attr.line,
            value,
            sensitive: scope.reads_sensitive(&attr.expr),
        });
        path.pop();
    }
    let mut ordinals: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for block in &body.blocks {
        if top && META_BLOCKS.contains(&block.kind.as_str()) {
            continue;
        }
        if block.kind == "dynamic" {
            let name = block.labels.first().cloned().unwrap_or_default();
            path.push(Step::Key(name));
            if !instance.wants(path, true) {
                path.pop();
                continue;
            }
            out.push(Setting {
                path: path.clone(),
                line: block.line,
                value: Err("a dynamic block".into()),
                sensitive: false,
            });
            path.pop();
            continue;
        }
        let ordinal = ordinals.entry(block.kind.as_str()).or_insert(0);
        path.push(Step::Block(block.kind.clone(), *ordinal));
        *ordinal += 1;
        if instance.wants(path, false) {
            collect(&block.body, path, instance, false, out);
        }
        path.pop();
    }
}

/// Why an expression has no committed value: the first function it calls, or the first thing
/// it refers to that is not a committed variable or local.
fn why_not(expr: &Expression, scope: &Scope) -> String {
    let mut reason: Option<String> = None;
    visit(expr, &mut |e| {
        if reason.is_some() {
            return;
        }
        match e {
            Expression::FuncCall(call) => {
                reason = Some(format!("calls {}()", call.name.name.as_str()));
            }
            Expression::ForExpr(_) => reason = Some("a for expression".into()),
            _ => {
                if let Some(name) = var_name(e) {
                    if let Some(file) = scope.ambiguous.get(&name) {
                        reason = Some(format!(
                            "var.{name} is set in {file}, which Terraform reads only with -var-file"
                        ));
                    } else if !scope.vars.contains_key(&name) {
                        reason = Some(format!("var.{name} has no committed value"));
                    }
                } else if let Some(root) = reference_root(e) {
                    match root.as_str() {
                        "var" | "count" | "each" => {}
                        "local" => reason = Some("a local with no literal value".into()),
                        _ => reason = Some(format!("refers to {}", reference_text(e))),
                    }
                }
            }
        }
    });
    reason.unwrap_or_else(|| "not a literal value".into())
}

/// Whether `expr` refers to `count` or `each` (or may: [`visit`] does not enter `for`).
fn reads_instance(expr: &Expression) -> bool {
    let mut found = false;
    visit(expr, &mut |e| match e {
        Expression::Variable(v) => found |= matches!(v.as_str(), "count" | "each"),
        Expression::ForExpr(_) => found = true,
        _ => {}
    });
    found
}

/// `X` for `var.X`.
fn var_name(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    match (&t.expr, t.operators.first()) {
        (Expression::Variable(v), Some(hcl::TraversalOperator::GetAttr(name)))
            if v.as_str() == "var" =>
        {
            Some(name.as_str().to_string())
        }
        _ => None,
    }
}

fn reference_root(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => reference_root(&t.expr),
        _ => None,
    }
}

/// `aws_instance.web.id`, up to three names.
fn reference_text(expr: &Expression) -> String {
    super::module::address_text(expr)
        .map(|t| t.split('.').take(3).collect::<Vec<_>>().join("."))
        .unwrap_or_else(|| "another object".into())
}

/// Calls `f` on `expr` and every expression inside it, outermost first.
fn visit(expr: &Expression, f: &mut dyn FnMut(&Expression)) {
    f(expr);
    match expr {
        Expression::Array(items) => items.iter().for_each(|e| visit(e, f)),
        Expression::Object(map) => {
            for (k, v) in map {
                if let hcl::ObjectKey::Expression(k) = k {
                    visit(k, f);
                }
                visit(v, f);
            }
        }
        Expression::Traversal(t) => {
            visit(&t.expr, f);
            for op in &t.operators {
                if let hcl::TraversalOperator::Index(e) = op {
                    visit(e, f);
                }
            }
        }
        Expression::FuncCall(call) => call.args.iter().for_each(|e| visit(e, f)),
        Expression::Parenthesis(e) => visit(e, f),
        Expression::Conditional(c) => {
            visit(&c.cond_expr, f);
            visit(&c.true_expr, f);
            visit(&c.false_expr, f);
        }
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => visit(&u.expr, f),
            hcl::expr::Operation::Binary(b) => {
                visit(&b.lhs_expr, f);
                visit(&b.rhs_expr, f);
            }
        },
        Expression::TemplateExpr(t) => {
            if let Ok(template) = hcl::Template::from_expr(t) {
                for element in template.elements() {
                    if let hcl::template::Element::Interpolation(i) = element {
                        visit(&i.expr, f);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The yor trace a resource body carries in `tags`, `labels`, `freeform_tags` (anywhere in the
/// expression, `merge()` included) or in `tag { key = "yor_trace" value = ... }` blocks.
pub fn yor_trace(body: &Body) -> Option<String> {
    let mut found = None;
    for attr in &body.attributes {
        visit(&attr.expr, &mut |e| {
            if found.is_some() {
                return;
            }
            if let Expression::Object(map) = e {
                for (k, v) in map {
                    let key = match k {
                        hcl::ObjectKey::Identifier(i) => i.as_str().to_string(),
                        hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
                        _ => continue,
                    };
                    if key == "yor_trace" {
                        if let Expression::String(s) = v {
                            found = Some(s.clone());
                        }
                    }
                }
            }
        });
    }
    if found.is_none() {
        for block in body.blocks_of("tag") {
            let is_trace = matches!(block.body.attribute("key").map(|a| &a.expr),
                Some(Expression::String(k)) if k == "yor_trace");
            if let (true, Some(Expression::String(v))) =
                (is_trace, block.body.attribute("value").map(|a| &a.expr))
            {
                found = Some(v.clone());
            }
        }
    }
    found
}

/// The number of instances a `count`/`for_each` gives when it can be evaluated.
pub fn instance_count(repetition: &Repetition, scope: &Scope) -> Option<usize> {
    match repetition {
        Repetition::Single => Some(1),
        Repetition::Count(expr) => match scope.evaluate(expr, None, None).ok()? {
            Value::Number(n) => n.as_u64().map(|n| n as usize),
            _ => None,
        },
        Repetition::ForEach(expr) => match scope.evaluate(expr, None, None).ok()? {
            Value::Object(map) => Some(map.len()),
            Value::Array(items) => Some(items.len()),
            _ => None,
        },
    }
}
