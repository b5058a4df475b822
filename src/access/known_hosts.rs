//! `KnownHosts`: an OpenSSH `known_hosts` file, one line per pinned host: the name ssh looks
//! the key up under (a `HostKeyAlias`), the key type and the key, without the comment.
//! Renders text only; `LabKeys` decides what is in it and writes it.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownHosts {
    lines: Vec<String>,
}

impl KnownHosts {
    /// Pins `public` (`TYPE BASE64 [COMMENT]`) under `name`. A key that is not two or three
    /// words adds nothing.
    pub fn add(&mut self, name: &str, public: &str) {
        let mut words = public.split_whitespace();
        if let (Some(kind), Some(key)) = (words.next(), words.next()) {
            self.lines.push(format!("{name} {kind} {key}"));
        }
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_pinned_under_its_name_without_the_comment() {
        let mut known = KnownHosts::default();
        known.add("vlab.lab.a", "ssh-ed25519 AAAAC3Nza one comment");
        known.add("vlab.lab.b", "ssh-ed25519 AAAAC3Nzb");
        known.add("vlab.lab.c", "garbage");
        assert_eq!(
            known.render(),
            "vlab.lab.a ssh-ed25519 AAAAC3Nza\nvlab.lab.b ssh-ed25519 AAAAC3Nzb\n"
        );
    }
}
