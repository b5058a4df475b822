//! `RenderError`: why a node's cloud-init data could not be rendered, pointing at the
//! template (built-in or the lab's file) and the line where that can be known.

use super::secret_mask::SecretMask;

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

impl RenderError {
    /// This error with the secrets hidden in its message and help (a YAML error quotes a
    /// rendered line, a Tera error may quote a value).
    #[must_use]
    pub fn masked(mut self, mask: &SecretMask) -> RenderError {
        self.message = mask.apply(&self.message);
        self.help = self.help.map(|h| mask.apply(&h));
        self
    }
}
