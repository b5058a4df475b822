//! The text of an `Inventory` in each `InventoryFormat`: YAML (the YAML inventory plugin's
//! `all: hosts: / children:` shape, host variables once under `all.hosts`), INI (host lines
//! with inline variables first, then one `[group]` section per group) and JSON (an inventory
//! script's `--list` output, host variables in `_meta.hostvars`). All three give Ansible the
//! same hosts, groups and variables.
//!
//! Values are quoted by construction, whatever they hold: YAML keys are plain only when no
//! YAML 1.1 or 1.2 reader could take them for anything but a string, and values are always
//! double-quoted with escapes; INI values are made into words that Python's `shlex` and
//! `ast.literal_eval` (how Ansible reads them) turn back into the same string; comments
//! hold no line breaks.

use super::inventory::{Inventory, InventoryFormat, Notice};
use std::fmt::Write as _;

impl Inventory {
    pub fn render(&self, format: InventoryFormat) -> String {
        match format {
            InventoryFormat::Yaml => self.yaml(),
            InventoryFormat::Ini => self.ini(),
            InventoryFormat::Json => self.json(),
        }
    }

    /// The comment lines YAML and INI start with.
    fn header(&self) -> String {
        let mut text = format!(
            "# Ansible inventory for vlab lab `{}`, written by `vlab inventory`.\n\
             # Host keys are checked against the lab's pinned known_hosts.\n",
            self.lab
        );
        for notice in &self.notices {
            let (word, message) = match notice {
                Notice::Warning(m) => ("warning", m),
                Notice::Note(m) => ("note", m),
            };
            let message: String = message
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let _ = writeln!(text, "# {word}: {message}");
        }
        text
    }

    fn yaml(&self) -> String {
        let mut text = self.header();
        text.push_str("all:\n");
        if self.hosts.is_empty() {
            text.push_str("  hosts: {}\n");
            return text;
        }
        text.push_str("  hosts:\n");
        for host in &self.hosts {
            if host.vars.is_empty() {
                let _ = writeln!(text, "    {}:", yaml_key(&host.name));
                continue;
            }
            let _ = writeln!(text, "    {}:", yaml_key(&host.name));
            for (key, value) in &host.vars {
                let _ = writeln!(text, "      {key}: {}", yaml_string(value));
            }
        }
        if !self.groups.is_empty() {
            text.push_str("  children:\n");
            for group in &self.groups {
                let _ = writeln!(text, "    {}:\n      hosts:", yaml_key(&group.name));
                for host in &group.hosts {
                    let _ = writeln!(text, "        {}:", yaml_key(host));
                }
            }
        }
        text
    }

    fn ini(&self) -> String {
        let mut text = self.header();
        for host in &self.hosts {
            text.push_str(&host.name);
            for (key, value) in &host.vars {
                let _ = write!(text, " {key}={}", ini_value(value));
            }
            text.push('\n');
        }
        for group in &self.groups {
            let _ = writeln!(text, "\n[{}]", group.name);
            for host in &group.hosts {
                let _ = writeln!(text, "{host}");
            }
        }
        text
    }

    fn json(&self) -> String {
        use serde_json::{Map, Value, json};
        let mut hostvars = Map::new();
        for host in &self.hosts {
            let vars: Map<String, Value> = host
                .vars
                .iter()
                .map(|(k, v)| ((*k).to_string(), Value::from(v.as_str())))
                .collect();
            hostvars.insert(host.name.clone(), Value::Object(vars));
        }
        let mut root = Map::new();
        root.insert("_meta".into(), json!({ "hostvars": hostvars }));
        let mut children: Vec<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        let ungrouped = self.ungrouped();
        if !ungrouped.is_empty() {
            children.push("ungrouped");
            root.insert("ungrouped".into(), json!({ "hosts": ungrouped }));
        }
        root.insert("all".into(), json!({ "children": children }));
        for group in &self.groups {
            root.insert(group.name.clone(), json!({ "hosts": group.hosts }));
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A mapping key: plain when it is a word no YAML reader resolves to anything but a string
/// (a letter or `_` first, then letters, digits, `_` and `-`; not a YAML 1.1 boolean or
/// null), else double-quoted.
fn yaml_key(key: &str) -> String {
    const WORDS: [&str; 10] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan",
    ];
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !WORDS.contains(&key.to_ascii_lowercase().as_str());
    if plain {
        key.to_string()
    } else {
        yaml_string(key)
    }
}

/// A YAML double-quoted scalar: `"` and `\` escaped, and every character a YAML 1.1 reader
/// would refuse or take for a line break written as `\uXXXX`.
fn yaml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
                ) =>
            {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An INI host variable's value as Ansible reads it back unchanged: the line is split with
/// `shlex` (comments allowed), then each value goes through `ast.literal_eval`. A value that
/// `literal_eval` cannot take for a literal (an absolute path, ssh options, an IPv4 address,
/// a lowercase word) is written as it is, else as a Python string literal; either is then
/// put in double quotes when `shlex` would split or strip it.
pub fn ini_value(value: &str) -> String {
    let python = if not_a_literal(value) {
        value.to_string()
    } else {
        python_string(value)
    };
    let plain = !python.is_empty()
        && python
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        python
    } else {
        format!("\"{}\"", python.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// True for the values vlab writes that `ast.literal_eval` refuses (so Ansible keeps them
/// as strings): an absolute path, ssh options (`-o ...`), a dotted IPv4 address, a word of
/// lowercase letters, digits, `_`, `.` and `-` that starts with a letter or `_`. Only
/// printable ASCII qualifies.
fn not_a_literal(value: &str) -> bool {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return false;
    }
    let ipv4 = value.parse::<std::net::Ipv4Addr>().is_ok();
    let word = value.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    value.starts_with('/') || value.starts_with("-o ") || ipv4 || word
}

/// A Python string literal in single quotes, every character outside printable ASCII
/// escaped.
fn python_string(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c if u32::from(c) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::inventory::{Group, InventoryHost};
    use yaml_rust2::{Yaml, YamlLoader};

    fn inventory() -> Inventory {
        let host = |name: &str, address: Option<&str>| {
            InventoryHost {
            name: name.to_string(),
            vars: address
                .map(|a| ("ansible_host", a.to_string()))
                .into_iter()
                .chain([
                    ("ansible_user", "vlab".to_string()),
                    (
                        "ansible_ssh_common_args",
                        "-o 'UserKnownHostsFile=/h/my dir/known_hosts' -o HostKeyAlias=vlab.t.web-1"
                            .to_string(),
                    ),
                ])
                .collect(),
        }
        };
        Inventory {
            lab: "t".to_string(),
            hosts: vec![host("web-1", Some("10.0.0.11")), host("db", None)],
            groups: vec![
                Group {
                    name: "web".to_string(),
                    hosts: vec!["web-1".to_string()],
                },
                Group {
                    name: "vlab_host_a".to_string(),
                    hosts: vec!["web-1".to_string(), "db".to_string()],
                },
            ],
            notices: vec![Notice::Warning("node `db` has\nno address".to_string())],
        }
    }

    #[test]
    fn yaml_lists_vars_once_and_groups_by_name() {
        let text = inventory().render(InventoryFormat::Yaml);
        assert_eq!(
            text,
            "# Ansible inventory for vlab lab `t`, written by `vlab inventory`.\n\
             # Host keys are checked against the lab's pinned known_hosts.\n\
             # warning: node `db` has no address\n\
             all:\n  hosts:\n    web-1:\n      ansible_host: \"10.0.0.11\"\n\
             \x20     ansible_user: \"vlab\"\n\
             \x20     ansible_ssh_common_args: \"-o 'UserKnownHostsFile=/h/my dir/known_hosts' -o HostKeyAlias=vlab.t.web-1\"\n\
             \x20   db:\n      ansible_user: \"vlab\"\n\
             \x20     ansible_ssh_common_args: \"-o 'UserKnownHostsFile=/h/my dir/known_hosts' -o HostKeyAlias=vlab.t.web-1\"\n\
             \x20 children:\n    web:\n      hosts:\n        web-1:\n\
             \x20   vlab_host_a:\n      hosts:\n        web-1:\n        db:\n"
        );
        let doc = &YamlLoader::load_from_str(&text).expect("yaml")[0];
        assert_eq!(
            doc["all"]["hosts"]["web-1"]["ansible_host"].as_str(),
            Some("10.0.0.11")
        );
        assert!(doc["all"]["children"]["vlab_host_a"]["hosts"]["db"].is_null());
    }

    #[test]
    fn yaml_keys_and_values_cannot_become_other_types_or_structure() {
        for key in [
            "null", "Yes", "off", "n", "true", "a b", "x: y", "#c", "web-1", "_g",
        ] {
            let value = "line\nbreak: \"quoted\" \\ # \u{85}\u{2028} - [x] {y} \u{1F600}";
            let text = format!("{}: {}\n", yaml_key(key), yaml_string(value));
            let doc = &YamlLoader::load_from_str(&text).expect("yaml")[0];
            let map = doc.as_hash().expect("a mapping");
            assert_eq!(map.len(), 1, "{text}");
            let (k, v) = map.iter().next().expect("one entry");
            assert_eq!(k, &Yaml::String(key.to_string()), "{text}");
            assert_eq!(v.as_str(), Some(value), "{text}");
        }
        assert_eq!(yaml_key("web-1"), "web-1");
        assert_eq!(yaml_key("no"), "\"no\"");
    }

    #[test]
    fn ini_has_host_lines_then_sections() {
        let text = inventory().render(InventoryFormat::Ini);
        let body: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(
            body,
            [
                "web-1 ansible_host=10.0.0.11 ansible_user=vlab ansible_ssh_common_args=\"-o 'UserKnownHostsFile=/h/my dir/known_hosts' -o HostKeyAlias=vlab.t.web-1\"",
                "db ansible_user=vlab ansible_ssh_common_args=\"-o 'UserKnownHostsFile=/h/my dir/known_hosts' -o HostKeyAlias=vlab.t.web-1\"",
                "",
                "[web]",
                "web-1",
                "",
                "[vlab_host_a]",
                "web-1",
                "db",
            ]
        );
    }

    #[test]
    fn ini_values_survive_shlex_and_literal_eval() {
        let cases = [
            ("10.0.0.11", "10.0.0.11"),
            ("vlab", "vlab"),
            ("/d/labs/t/id_ed25519", "/d/labs/t/id_ed25519"),
            ("/my dir/key", "\"/my dir/key\""),
            ("True", "\"'True'\""),
            ("123", "\"'123'\""),
            ("[1, 2]", "\"'[1, 2]'\""),
            ("it's", "\"'it\\\\'s'\""),
            ("a\nb # c", "\"'a\\\\u000ab # c'\""),
            ("-o 'K=/a b' -o \"x\"", "\"-o 'K=/a b' -o \\\"x\\\"\""),
        ];
        for (value, want) in cases {
            assert_eq!(ini_value(value), want, "{value}");
        }
    }

    #[test]
    fn json_is_an_inventory_scripts_list() {
        let mut inventory = inventory();
        inventory.groups.pop();
        let text = inventory.render(InventoryFormat::Json);
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            value["_meta"]["hostvars"]["web-1"]["ansible_host"],
            "10.0.0.11"
        );
        assert_eq!(value["db"], serde_json::Value::Null);
        assert_eq!(
            value["all"]["children"],
            serde_json::json!(["web", "ungrouped"])
        );
        assert_eq!(value["ungrouped"]["hosts"], serde_json::json!(["db"]));
        assert_eq!(value["web"]["hosts"], serde_json::json!(["web-1"]));
    }
}
