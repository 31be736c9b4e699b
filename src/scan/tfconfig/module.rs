//! One module directory as committed: its parsed files and what they declare (resources,
//! module calls, `moved`, `removed` and `import` blocks, variables, locals, the backend). A
//! directory is identified by its git tree id, so the same directory content met at a thousand
//! commits is analysed once.

use super::syntax::{Block, Body, ParseError};
use crate::git::ObjectId;
use hcl::Expression;
use std::sync::Arc;

/// A parsed file of the directory.
#[derive(Debug)]
pub struct ModuleFile {
    pub name: String,
    pub blob: ObjectId,
    pub body: Arc<Result<Body, ParseError>>,
}

/// `count` or `for_each` on a resource or module call.
#[derive(Debug, Clone, PartialEq)]
pub enum Repetition {
    Single,
    Count(Expression),
    ForEach(Expression),
}

impl Repetition {
    fn of(body: &Body) -> Repetition {
        if let Some(count) = body.attribute("count") {
            Repetition::Count(count.expr.clone())
        } else if let Some(each) = body.attribute("for_each") {
            Repetition::ForEach(each.expr.clone())
        } else {
            Repetition::Single
        }
    }

    /// `[*]` when the block may have several instances.
    pub fn pattern(&self) -> &'static str {
        match self {
            Repetition::Single => "",
            _ => "[*]",
        }
    }
}

/// A `resource` (or `data`) block.
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    pub data: bool,
    pub resource_type: String,
    pub name: String,
    /// Index into [`Module::files`].
    pub file: usize,
    pub line: u32,
    pub repetition: Repetition,
    pub block: Block,
}

/// A `module` block.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    /// The `source` as written; `None` when it is not a literal string.
    pub source: Option<String>,
    pub file: usize,
    pub line: u32,
    pub repetition: Repetition,
    pub block: Block,
}

impl ModuleCall {
    /// The directory of a local source (`./x`, `../x`) relative to the repository root, given
    /// the calling module's directory; `None` for registry and remote sources.
    pub fn local_dir(&self, caller_dir: &str) -> Option<String> {
        let source = self.source.as_deref()?;
        if !(source.starts_with("./") || source.starts_with("../")) {
            return None;
        }
        let mut parts: Vec<&str> = caller_dir.split('/').filter(|p| !p.is_empty()).collect();
        for part in source.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                other => parts.push(other),
            }
        }
        Some(parts.join("/"))
    }
}

/// A `moved`, `removed` or `import` block, with its addresses as written (keys dropped).
#[derive(Debug, Clone)]
pub struct AddressBlock {
    pub from: Option<String>,
    pub to: Option<String>,
    pub file: usize,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct VariableDecl {
    pub default: Option<Expression>,
    pub sensitive: bool,
}

/// Everything a module directory declares.
#[derive(Debug, Default)]
pub struct Module {
    pub files: Vec<ModuleFile>,
    /// Parsed `terraform.tfvars` and `*.auto.tfvars` files, in the order Terraform reads them.
    pub var_files: Vec<ModuleFile>,
    /// Other committed `.tfvars` files, which Terraform reads only with `-var-file`: the
    /// variables they set may have had those values.
    pub other_var_files: Vec<ModuleFile>,
    pub resources: Vec<ResourceDecl>,
    pub calls: Vec<ModuleCall>,
    pub moved: Vec<AddressBlock>,
    pub removed: Vec<AddressBlock>,
    pub imports: Vec<AddressBlock>,
    pub variables: Vec<(String, VariableDecl)>,
    pub locals: Vec<(String, Expression)>,
    /// The backend type and its `key`, `path` or `prefix`.
    pub backend: Option<(String, Option<String>)>,
    /// A provider block sets `default_tags`: the provider adds tags the blocks do not set.
    pub default_tags: bool,
}

impl Module {
    /// Reads the declarations of the parsed `files`; files that failed to parse declare
    /// nothing (their errors stay in `files`).
    pub fn new(
        files: Vec<ModuleFile>,
        var_files: Vec<ModuleFile>,
        other_var_files: Vec<ModuleFile>,
    ) -> Module {
        let mut module = Module {
            files,
            var_files,
            other_var_files,
            ..Module::default()
        };
        let bodies: Vec<Arc<Result<Body, ParseError>>> =
            module.files.iter().map(|f| f.body.clone()).collect();
        for (file, body) in bodies.iter().enumerate() {
            if let Ok(body) = body.as_ref() {
                for block in &body.blocks {
                    module.read_block(file, block);
                }
            }
        }
        module
    }

    fn read_block(&mut self, file: usize, block: &Block) {
        let label = |i: usize| block.labels.get(i).cloned();
        match block.kind.as_str() {
            "resource" | "data" => {
                if let (Some(resource_type), Some(name)) = (label(0), label(1)) {
                    self.resources.push(ResourceDecl {
                        data: block.kind == "data",
                        resource_type,
                        name,
                        file,
                        line: block.line,
                        repetition: Repetition::of(&block.body),
                        block: block.clone(),
                    });
                }
            }
            "module" => {
                if let Some(name) = label(0) {
                    let source = block.body.attribute("source").and_then(|a| match &a.expr {
                        Expression::String(s) => Some(s.clone()),
                        _ => None,
                    });
                    self.calls.push(ModuleCall {
                        name,
                        source,
                        file,
                        line: block.line,
                        repetition: Repetition::of(&block.body),
                        block: block.clone(),
                    });
                }
            }
            "moved" | "removed" | "import" => {
                let address = |name: &str| {
                    block
                        .body
                        .attribute(name)
                        .and_then(|a| address_text(&a.expr))
                };
                let entry = AddressBlock {
                    from: address("from"),
                    to: address("to"),
                    file,
                    line: block.line,
                };
                match block.kind.as_str() {
                    "moved" => self.moved.push(entry),
                    "removed" => self.removed.push(entry),
                    _ => self.imports.push(entry),
                }
            }
            "variable" => {
                if let Some(name) = label(0) {
                    let sensitive = matches!(
                        block.body.attribute("sensitive").map(|a| &a.expr),
                        Some(Expression::Bool(true))
                    );
                    self.variables.push((
                        name,
                        VariableDecl {
                            default: block.body.attribute("default").map(|a| a.expr.clone()),
                            sensitive,
                        },
                    ));
                }
            }
            "locals" => {
                for attr in &block.body.attributes {
                    self.locals.push((attr.name.clone(), attr.expr.clone()));
                }
            }
            "provider" => {
                self.default_tags |= block.body.blocks_of("default_tags").next().is_some();
            }
            "terraform" => {
                for backend in block.body.blocks_of("backend") {
                    let setting = ["key", "path", "prefix"].iter().find_map(|name| {
                        backend.body.attribute(name).and_then(|a| match &a.expr {
                            Expression::String(s) => Some(s.clone()),
                            _ => None,
                        })
                    });
                    self.backend =
                        Some((backend.labels.first().cloned().unwrap_or_default(), setting));
                }
            }
            _ => {}
        }
    }

    /// Files that could not be parsed, with their error.
    pub fn errors(&self) -> impl Iterator<Item = (&ModuleFile, &ParseError)> {
        self.files
            .iter()
            .chain(&self.var_files)
            .filter_map(|f| f.body.as_ref().as_ref().err().map(|e| (f, e)))
    }

    pub fn variable(&self, name: &str) -> Option<&VariableDecl> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// An address written as a traversal (`module.a.aws_instance.b[0]`) or, in JSON, as a string,
/// with instance keys dropped: `module.a.aws_instance.b`.
pub fn address_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let mut out = address_text(&t.expr)?;
            for op in &t.operators {
                if let hcl::TraversalOperator::GetAttr(ident) = op {
                    out.push('.');
                    out.push_str(ident.as_str());
                }
            }
            Some(out)
        }
        Expression::String(s) => Some(strip_keys(s)),
        Expression::TemplateExpr(t) => Some(strip_keys(&t.to_string())),
        _ => None,
    }
}

/// `module.a["x"].aws_instance.b[0]` without its keys: `module.a.aws_instance.b`.
pub fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        if depth > 0 {
            if quoted {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    quoted = false;
                }
            } else if c == '"' {
                quoted = true;
            } else if c == '[' {
                depth += 1;
            } else if c == ']' {
                depth -= 1;
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stripped_from_addresses() {
        assert_eq!(
            strip_keys(r#"module.a["x]y"].module.b[0].aws_instance.c["k\"]"]"#),
            "module.a.module.b.aws_instance.c"
        );
    }

    #[test]
    fn local_sources_resolve_against_the_caller() {
        let call = |source: &str| ModuleCall {
            name: "m".into(),
            source: Some(source.into()),
            file: 0,
            line: 1,
            repetition: Repetition::Single,
            block: Block {
                kind: "module".into(),
                labels: vec![],
                line: 1,
                body: Body::default(),
            },
        };
        assert_eq!(
            call("../modules/web").local_dir("terraform/prod"),
            Some("terraform/modules/web".into())
        );
        assert_eq!(call("./x").local_dir(""), Some("x".into()));
        assert_eq!(call("../../x").local_dir("a"), None);
        assert_eq!(call("terraform-aws-modules/vpc/aws").local_dir(""), None);
    }
}
