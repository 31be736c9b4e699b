//! Component patterns in exceptions: a label, or a glob where `*` matches any run of
//! characters (including none) and `?` any one character. Matching is on whole labels.

/// Whether `label` matches `pattern`.
pub fn matches(pattern: &str, label: &str) -> bool {
    let (p, l): (Vec<char>, Vec<char>) = (pattern.chars().collect(), label.chars().collect());
    // Iterative glob with one backtrack point: linear in practice, never exponential.
    let (mut pi, mut li) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while li < l.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == l[li]) {
            pi += 1;
            li += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, li));
            pi += 1;
        } else if let Some((sp, sl)) = star {
            pi = sp + 1;
            li = sl + 1;
            star = Some((sp, sl + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs_match_whole_labels() {
        assert!(matches("aws_instance.web[2]", "aws_instance.web[2]"));
        assert!(matches("aws_instance.web[*]", "aws_instance.web[2]"));
        assert!(matches(
            "module.cache.*",
            "module.cache.aws_elasticache_cluster.this"
        ));
        assert!(matches("*", "anything"));
        assert!(matches("web-0?", "web-03"));
        assert!(!matches("web-0?", "web-003"));
        assert!(!matches("aws_instance.web", "aws_instance.web[2]"));
        assert!(!matches("module.cache.*", "module.cachex"));
        assert!(matches("*a*b*", "xxaxxbxx"));
        assert!(!matches(&"*a".repeat(30), &"a".repeat(29)));
    }
}
