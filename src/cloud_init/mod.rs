//! Cloud-init: per-node user-data, meta-data and network-config rendered from Tera
//! templates, checked, and packed into a NoCloud seed built in-process.
//!
//! The built-in templates (templates/*.tera, compiled in) give a usable guest; a lab or node
//! may replace any of them with its own file. `instance-id` carries a digest of the rendered
//! data, so changed data is a new instance and cloud-init runs again. This module renders and
//! builds; it does not upload seeds or decide when a node must be replaced.

pub mod render_context;
pub mod render_deadline;
pub mod render_error;
pub mod secret_mask;
pub mod seed_diff;
pub mod seed_image;
pub mod ssh_keys;
pub mod template_engine;

use crate::lab::{Lab, Node};
use render_error::RenderError;
use secret_mask::SecretMask;
pub use ssh_keys::GuestKeys;
use std::path::Path;

const USER_DATA: &str = include_str!("../../templates/user-data.tera");
const META_DATA: &str = include_str!("../../templates/meta-data.tera");
const NETWORK_CONFIG: &str = include_str!("../../templates/network-config.tera");

/// Largest template file vlab reads (1 MiB): cloud-init data far larger than this is a
/// mistake, and a path such as `/dev/zero` must not be read until memory runs out.
pub const TEMPLATE_LIMIT: u64 = 1024 * 1024;

/// A node's rendered cloud-init files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedNode {
    pub node: String,
    pub user_data: String,
    pub meta_data: String,
    pub network_config: String,
    pub vendor_data: Option<String>,
    pub instance_id: String,
    /// Values of secret variables, to be masked wherever rendered text is shown.
    pub secrets: Vec<String>,
}

impl RenderedNode {
    /// The seed's files, in a fixed order.
    pub fn files(&self) -> Vec<(&'static str, &str)> {
        let mut files = vec![
            ("meta-data", self.meta_data.as_str()),
            ("user-data", self.user_data.as_str()),
            ("network-config", self.network_config.as_str()),
        ];
        if let Some(vendor) = &self.vendor_data {
            files.push(("vendor-data", vendor.as_str()));
        }
        files
    }

    /// The NoCloud seed (vfat, label `cidata`), byte-identical for the same files.
    pub fn seed(&self) -> std::io::Result<Vec<u8>> {
        let files: Vec<(&str, &[u8])> = self
            .files()
            .into_iter()
            .map(|(n, t)| (n, t.as_bytes()))
            .collect();
        seed_image::build(&files)
    }

    /// The mask that hides this node's secrets in every form templates write them.
    pub fn mask(&self) -> SecretMask {
        SecretMask::new(self.secrets.iter().map(String::as_str))
    }

    /// Per file, the lines that show a secret, masked: what the domain's record keeps so the
    /// files can be shown masked once these secrets are no longer known (`SeedDiff`).
    pub fn secret_lines(&self) -> seed_diff::SecretLines {
        let mask = self.mask();
        if mask.is_empty() {
            return seed_diff::SecretLines::new();
        }
        self.files()
            .into_iter()
            .map(|(name, text)| (name.to_string(), mask.masked_lines(text)))
            .filter(|(_, lines)| !lines.is_empty())
            .collect()
    }

    /// `text` with every secret value replaced (raw, escaped, base64: see `SecretMask`), for
    /// printing.
    pub fn masked(&self, text: &str) -> String {
        self.mask().apply(text)
    }
}

/// Renders `node`'s cloud-init data; `ssh_keys` are the public keys for the default user,
/// and the seed carries no host key. An error's message never shows a secret (it may quote
/// rendered output).
pub fn render(lab: &Lab, node: &Node, ssh_keys: &[String]) -> Result<RenderedNode, RenderError> {
    render_with(lab, node, &GuestKeys::authorized(ssh_keys))
}

/// Renders `node`'s cloud-init data with `keys`: the authorized keys, and the host key the
/// guest is to present (a secret: masked wherever rendered text is shown).
pub fn render_with(lab: &Lab, node: &Node, keys: &GuestKeys) -> Result<RenderedNode, RenderError> {
    let mut secrets = secret_values(lab, node);
    if let Some(host_key) = &keys.host_key {
        secrets.push(host_key.private.clone());
    }
    render_files(lab, node, keys, secrets.clone())
        .map_err(|e| e.masked(&SecretMask::new(secrets.iter().map(String::as_str))))
}

/// The values of the secret variables `node` sees (the lab's and its own).
fn secret_values(lab: &Lab, node: &Node) -> Vec<String> {
    lab.vars
        .values()
        .chain(node.cloud_init.vars.values())
        .filter(|v| v.secret)
        .map(|v| {
            v.value
                .as_str()
                .map_or_else(|| v.value.to_string(), str::to_string)
        })
        .collect()
}

fn render_files(
    lab: &Lab,
    node: &Node,
    keys: &GuestKeys,
    secrets: Vec<String>,
) -> Result<RenderedNode, RenderError> {
    let mut context = render_context::context(lab, node, &keys.authorized);
    context["ssh_host_key"] = match &keys.host_key {
        Some(pair) => {
            serde_json::json!({"type": "ed25519", "private": pair.private, "public": pair.public})
        }
        None => serde_json::Value::Null,
    };
    let ci = &node.cloud_init;
    let user_data = render_one(
        node,
        "user-data",
        ci.user_data.as_deref(),
        USER_DATA,
        &context,
    )?;
    let network_config = render_one(
        node,
        "network-config",
        ci.network_config.as_deref(),
        NETWORK_CONFIG,
        &context,
    )?;
    let vendor_data = match ci.vendor_data.as_deref() {
        Some(path) => Some(render_one(node, "vendor-data", Some(path), "", &context)?),
        None => None,
    };
    check_yaml(node, "user-data", ci.user_data.as_deref(), &user_data, true)?;
    check_yaml(
        node,
        "network-config",
        ci.network_config.as_deref(),
        &network_config,
        false,
    )?;
    // meta-data holds the instance-id, so it enters the digest rendered without it.
    let mut meta_context = context;
    meta_context["instance_id"] = serde_json::Value::String(String::new());
    let meta_draft = render_one(
        node,
        "meta-data",
        ci.meta_data.as_deref(),
        META_DATA,
        &meta_context,
    )?;
    let digest_input = [
        &user_data,
        &network_config,
        vendor_data.as_deref().unwrap_or(""),
        &meta_draft,
    ];
    let instance_id = instance_id(lab, node, &digest_input);
    meta_context["instance_id"] = serde_json::Value::String(instance_id.clone());
    let meta_data = render_one(
        node,
        "meta-data",
        ci.meta_data.as_deref(),
        META_DATA,
        &meta_context,
    )?;
    check_yaml(
        node,
        "meta-data",
        ci.meta_data.as_deref(),
        &meta_data,
        false,
    )?;
    Ok(RenderedNode {
        node: node.name.clone(),
        user_data,
        meta_data,
        network_config,
        vendor_data,
        instance_id,
        secrets,
    })
}

/// `<lab>-<node>-<12 hex digits of the rendered data>`.
fn instance_id(lab: &Lab, node: &Node, parts: &[&str]) -> String {
    let hex = crate::checksum::hex(&crate::checksum::sha256_of_parts(parts)[..6]);
    format!("{}-{}-{hex}", lab.name, node.name)
}

fn template_label(kind: &str, path: Option<&Path>) -> String {
    match path {
        Some(path) => path.display().to_string(),
        None => format!("built-in {kind}"),
    }
}

fn render_one(
    node: &Node,
    kind: &str,
    path: Option<&Path>,
    builtin: &str,
    context: &serde_json::Value,
) -> Result<String, RenderError> {
    let label = template_label(kind, path);
    let error = |line, message: String, help: Option<String>| RenderError {
        template: label.clone(),
        node: node.name.clone(),
        line,
        message,
        help,
    };
    let source = match path {
        Some(path) => read_template(&node.cloud_init.root, path).map_err(|e| {
            error(
                None,
                format!("cannot read the template: {e}"),
                Some(format!(
                    "the `{kind}` path is relative to the lab file and must name a regular text file of at most {} KiB",
                    TEMPLATE_LIMIT / 1024
                )),
            )
        })?,
        None => return render_template(&node.name, &label, builtin, context),
    };
    render_deadline::render(&node.name, &label, source, context)
}

/// A template file below `root`, the lab file's folder: the resolver refuses paths that
/// lead out by name (`/`, `..`), and a symbolic link that leads out is refused here, before
/// the file is opened, so a lab cannot read this machine's files through a link it ships.
fn read_template(root: &Path, path: &Path) -> std::io::Result<String> {
    let inside = match (root.canonicalize(), path.canonicalize()) {
        (Ok(root), Ok(target)) => target.starts_with(root),
        (_, Err(e)) => return Err(e),
        (Err(_), Ok(_)) => false,
    };
    if !inside {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "it leads outside the lab file's folder (through a symbolic link)",
        ));
    }
    crate::local_file::LocalFile::read_text(path, TEMPLATE_LIMIT)
}

/// Renders one template's text for node `node` with `context` (as
/// `render_context::context` builds it), as `render` renders each file: errors name the
/// template by `label`. Secrets are not masked here (`render` does that). For tools and
/// the fuzz target; `render` is the whole job.
pub fn render_template(
    node: &str,
    label: &str,
    source: &str,
    context: &serde_json::Value,
) -> Result<String, RenderError> {
    let error = |line, message: String, help: Option<String>| RenderError {
        template: label.to_string(),
        node: node.to_string(),
        line,
        message,
        help,
    };
    let mut tera = template_engine::engine();
    if let Err(e) = tera.add_raw_template(label, source) {
        let message = chain(&e);
        return Err(error(
            line_from_parse_error(&message),
            message,
            Some("see https://keats.github.io/tera/docs/ for template syntax".into()),
        ));
    }
    let tera_context =
        tera::Context::from_value(context.clone()).map_err(|e| error(None, chain(&e), None))?;
    tera.render(label, &tera_context).map_err(|e| {
        let message = chain(&e);
        let line = missing_variable(&message).and_then(|var| line_of(source, &var));
        error(
            line,
            message,
            Some("the variables templates can use are listed in docs/cloud-init.md".into()),
        )
    })
}

/// A rendered file that must be YAML (user-data only when it is `#cloud-config`).
fn check_yaml(
    node: &Node,
    kind: &str,
    path: Option<&Path>,
    text: &str,
    cloud_config_only: bool,
) -> Result<(), RenderError> {
    if cloud_config_only && !text.starts_with("#cloud-config") {
        return Ok(());
    }
    check_output(&node.name, &template_label(kind, path), kind, text)
}

/// Checks that rendered `text` (the `kind` file of `node`, from template `label`) is YAML,
/// as `render` does; the error quotes the offending output line, unmasked.
pub fn check_output(node: &str, label: &str, kind: &str, text: &str) -> Result<(), RenderError> {
    match yaml_rust2::YamlLoader::load_from_str(text) {
        Ok(_) => Ok(()),
        Err(e) => {
            // A problem found only at the end (an unclosed bracket) is reported past the last
            // line: show the last line that has text instead.
            let lines: Vec<&str> = text.lines().collect();
            let line = match lines.get(e.marker().line().saturating_sub(1)) {
                Some(l) if !l.trim().is_empty() => e.marker().line(),
                _ => lines
                    .iter()
                    .rposition(|l| !l.trim().is_empty())
                    .map_or(1, |i| i + 1),
            };
            let shown = lines.get(line - 1).copied().unwrap_or_default();
            Err(RenderError {
                template: label.to_string(),
                node: node.to_string(),
                line: None,
                message: format!(
                    "the rendered {kind} is not valid YAML: {} at line {line} of the output: `{}`",
                    e.info(),
                    shown.trim()
                ),
                help: Some(format!(
                    "render it with `vlab render NODE` to see the whole {kind}"
                )),
            })
        }
    }
}

/// The error and its causes on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

/// Tera parse errors say `--> 3:5`.
fn line_from_parse_error(message: &str) -> Option<usize> {
    let at = message.find("--> ")?;
    message[at + 4..].split(':').next()?.trim().parse().ok()
}

/// The name in "Variable `x.y` not found in context".
fn missing_variable(message: &str) -> Option<String> {
    let start = message.find("Variable `")? + "Variable `".len();
    let end = message[start..].find('`')?;
    Some(message[start..start + end].to_string())
}

/// The first line (1-based) of `source` where a Tera expression uses `name` as a whole
/// identifier (`vars.role`, not `vars.role_name`).
fn line_of(source: &str, name: &str) -> Option<usize> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let uses = |line: &str| {
        line.match_indices(name).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + name.len()..].chars().next();
            !before.is_some_and(|c| ident(c) || c == '.') && !after.is_some_and(ident)
        })
    };
    source
        .lines()
        .position(|l| (l.contains("{{") || l.contains("{%")) && uses(l))
        .map(|i| i + 1)
}
