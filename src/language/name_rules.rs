//! Naming rules for labs, nodes, networks, interfaces and the like, and "did you mean".
//!
//! Names end up as libvirt object names, hostnames and Linux interface names, so they are
//! held to the strictest of those: lowercase letters, digits and `-`, starting with a letter.
//! Ansible group names (`groups`) have a rule of their own: `check_group_name`.

/// Why `name` is not a valid resource name of at most `max_len` characters, if it is not.
pub fn check_name(name: &str, max_len: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.len() > max_len {
        return Err(format!(
            "`{name}` is {} characters long; the limit is {max_len}",
            name.len()
        ));
    }
    let first = name.chars().next().unwrap_or('-');
    if !first.is_ascii_lowercase() {
        return Err(format!("`{name}` must start with a lowercase letter"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "`{name}` contains `{bad}`; use lowercase letters, digits and `-`"
        ));
    }
    if name.ends_with('-') {
        return Err(format!("`{name}` must not end with `-`"));
    }
    Ok(())
}

/// The prefix of the groups vlab makes itself in `vlab inventory` (`vlab_host_<host>`).
pub const VLAB_GROUP_PREFIX: &str = "vlab_";

/// The groups every Ansible inventory has already.
pub const IMPLICIT_GROUPS: [&str; 2] = ["all", "ungrouped"];

/// Why `name` cannot be a group in `groups`, if it cannot: a valid Ansible group name
/// (ASCII letters, digits and `_`, not starting with a digit: Ansible warns about anything
/// else, `-` included), of at most 63 characters, neither one of Ansible's implicit groups
/// nor one of vlab's own, nor `_meta`.
pub fn check_group_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a group name cannot be empty".into());
    }
    if name.len() > 63 {
        return Err(format!(
            "`{name}` is {} characters long; the limit is 63",
            name.len()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "`{name}` contains `{bad}`; Ansible group names use letters, digits and `_`"
        ));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{name}` must not start with a digit"));
    }
    if IMPLICIT_GROUPS.contains(&name) {
        return Err(format!("`{name}` is a group every Ansible inventory has"));
    }
    if name == "_meta" {
        return Err("`_meta` holds the host variables in an inventory script's output".into());
    }
    if name.starts_with(VLAB_GROUP_PREFIX) {
        return Err(format!(
            "`{name}` starts with `{VLAB_GROUP_PREFIX}`, which is kept for vlab's own groups"
        ));
    }
    Ok(())
}

/// The candidate closest to `wanted`, when it is close enough to be a likely typo: within
/// an edit distance of a third of its length (transpositions count once), or very similar.
/// Of equally close candidates the first one wins, so callers pass them in declaration
/// order (never from a hash map's iteration) and the suggestion is the same on every run.
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let distance = strsim::damerau_levenshtein(wanted, c);
            // A distance as long as the shorter word means nothing is shared.
            let shares = distance < wanted.chars().count().min(c.chars().count());
            let close = shares && (distance <= budget || strsim::jaro_winkler(wanted, c) > 0.9);
            close.then_some((distance, c))
        })
        // `min_by_key` keeps the first of equal minimums: ties go to the earliest candidate.
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// "did you mean `x`?" when there is a near miss, else a list of what exists.
pub fn unknown_help<'a>(
    kind: &str,
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(near) = suggest(wanted, candidates.clone()) {
        return format!("did you mean `{near}`?");
    }
    let mut names: Vec<&str> = candidates.into_iter().collect();
    match names.len() {
        0 => format!("the lab declares no {kind}"),
        n if n <= 8 => {
            names.sort_unstable();
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("declared {kind}s: {}", list.join(", "))
        }
        n => format!("the lab declares {n} {kind}s, none named like this"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["web", "web-1", "a", "seat-012"] {
            assert!(check_name(ok, 63).is_ok(), "{ok}");
        }
        for bad in ["", "Web", "1web", "-web", "web-", "web_1", "web.1", "wéb"] {
            assert!(check_name(bad, 63).is_err(), "{bad}");
        }
        assert!(check_name("abcd", 3).is_err());
    }

    #[test]
    fn group_names() {
        for ok in ["web", "web_servers", "_x", "Web2", "frontend"] {
            assert!(check_group_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "web-1",
            "1web",
            "all",
            "_meta",
            "ungrouped",
            "vlab_host_t",
            "a.b",
            "wéb",
            "a b",
        ] {
            assert!(check_group_name(bad).is_err(), "{bad}");
        }
        assert!(check_group_name(&"g".repeat(64)).is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("wbe", ["web", "db"]), Some("web"));
        assert_eq!(suggest("zzz", ["web", "db"]), None);
        assert_eq!(suggest("nta", ["nat", "isolated"]), Some("nat"));
        assert_eq!(suggest("memry", ["memory", "cpus"]), Some("memory"));
        assert_eq!(
            suggest("debain-12", ["debian-12", "ubuntu"]),
            Some("debian-12")
        );
        // Equally close: the first candidate given wins, whichever order they come in.
        assert_eq!(suggest("lan-9", ["lan-2", "lan-1"]), Some("lan-2"));
        assert_eq!(suggest("lan-9", ["lan-1", "lan-2"]), Some("lan-1"));
        assert_eq!(
            unknown_help("network", "lna", ["lan"]),
            "did you mean `lan`?"
        );
        assert_eq!(
            unknown_help("network", "x", ["b", "a"]),
            "declared networks: `a`, `b`"
        );
        assert_eq!(
            unknown_help("network", "x", []),
            "the lab declares no network"
        );
    }
}
