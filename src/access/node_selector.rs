//! `NodeSelector`: which nodes of a lab a command such as `vlab exec` acts on: node names
//! and shell-style globs (`*` any run of characters, `?` one character), or every node.
//! Pure: it matches names; it does not know whether a node runs.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeSelector {
    All,
    /// Names or globs; a node matches when any of them does.
    Patterns(Vec<String>),
}

impl NodeSelector {
    /// The names among `nodes` (kept in their order) that this selects, or the first
    /// pattern that selects none of them.
    pub fn select<'a>(&self, nodes: &[&'a str]) -> Result<Vec<&'a str>, String> {
        match self {
            NodeSelector::All => Ok(nodes.to_vec()),
            NodeSelector::Patterns(patterns) => {
                if let Some(unmatched) = patterns
                    .iter()
                    .find(|p| !nodes.iter().any(|n| glob_match(p, n)))
                {
                    return Err(unmatched.clone());
                }
                Ok(nodes
                    .iter()
                    .copied()
                    .filter(|n| patterns.iter().any(|p| glob_match(p, n)))
                    .collect())
            }
        }
    }
}

/// Whether `name` matches `pattern` (`*`: any run of characters, `?`: one character;
/// everything else literally).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("web-*", "web-1"));
        assert!(glob_match("web-?", "web-2"));
        assert!(!glob_match("web-?", "web-10"));
        assert!(glob_match("*", "db"));
        assert!(glob_match("*-1*", "r-10"));
        assert!(glob_match("db", "db"));
        assert!(!glob_match("db", "db-1"));
        assert!(!glob_match("", "db"));
    }

    #[test]
    fn a_selection_keeps_the_lab_order_and_names_a_pattern_that_matches_nothing() {
        let nodes = ["web-1", "web-2", "db"];
        let pick = |p: &[&str]| {
            NodeSelector::Patterns(p.iter().map(ToString::to_string).collect()).select(&nodes)
        };
        assert_eq!(pick(&["db", "web-*"]), Ok(vec!["web-1", "web-2", "db"]));
        assert_eq!(pick(&["web-2"]), Ok(vec!["web-2"]));
        assert_eq!(pick(&["web-2", "cache*"]), Err("cache*".to_string()));
        assert_eq!(NodeSelector::All.select(&nodes), Ok(nodes.to_vec()));
    }
}
