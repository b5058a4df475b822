//! `RenderError`: why a node's cloud-init data could not be rendered, pointing at the
//! template (built-in or the lab's file) and the line where that can be known.

#[derive(Debug, thiserror::Error)]
#[error("{template}{}: {message} (node `{node}`)", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct RenderError {
    /// The template's path, or `built-in user-data` and the like.
    pub template: String,
    pub node: String,
    pub line: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}
