//! `LabKeys`: the SSH keys vlab makes and keeps for one lab, in the lab's own folder of
//! vlab's data directory (`VLAB_DATA_DIR`, else `$XDG_DATA_HOME/vlab`, else
//! `~/.local/share/vlab`, then `labs/LAB/`; folders 0700, files 0600):
//!
//! - `id_ed25519` and `id_ed25519.pub`: the lab's login key, authorized for the default user
//!   of every guest when the lab declares no `ssh-key`;
//! - `host-keys/NODE`: each node's SSH host key, which vlab hands to the guest in its seed
//!   (cloud-init's `ssh_keys`), so the key a guest must present is known before it boots,
//!   without trusting the network;
//! - `known_hosts`: those host keys, one line per node under its `HostKeyAlias`
//!   (`KnownHosts`), for `vlab ssh` and the config of `vlab ssh-config`.
//!
//! Keys are made on first use (`known_hosts` written once per batch of new keys) and never
//! replaced: a lab keeps its keys until its folder is removed. This module only keeps
//! files; what goes into a seed or an ssh command line is the callers' business.

use super::known_hosts::KnownHosts;
use crate::private_file;
use ssh_key::{Algorithm, LineEnding, PrivateKey};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// An OpenSSH key pair: the private key file's text and the public key line.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub private: String,
    /// `ssh-ed25519 AAAA... COMMENT`.
    pub public: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("private", &"<redacted>")
            .field("public", &self.public)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct LabKeys {
    dir: PathBuf,
    lab: String,
}

impl LabKeys {
    /// The keys of lab `lab` under vlab's data directory (see the module header).
    pub fn for_lab(lab: &str) -> io::Result<LabKeys> {
        LabKeys::in_dir(&data_dir()?, lab)
    }

    /// The keys of lab `lab` under `data_dir` (`data_dir/labs/LAB`).
    pub fn in_dir(data_dir: &Path, lab: &str) -> io::Result<LabKeys> {
        // Lab names are checked names (letters, digits, `-`); this keeps the path inside
        // `labs/` whatever a caller passes.
        if lab.is_empty() || lab.starts_with('.') || lab.contains(['/', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{lab}` cannot name a lab folder"),
            ));
        }
        Ok(LabKeys {
            dir: data_dir.join("labs").join(lab),
            lab: lab.to_string(),
        })
    }

    /// The lab's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The private half of the lab's login key (what `IdentityFile` names).
    pub fn identity_path(&self) -> PathBuf {
        self.dir.join("id_ed25519")
    }

    pub fn known_hosts_path(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The name under which `node`'s host key is pinned (`HostKeyAlias`): independent of
    /// the address, which DHCP may change.
    pub fn host_alias(&self, node: &str) -> String {
        format!("vlab.{}.{node}", self.lab)
    }

    /// The lab's login key, made on first use.
    pub fn login_key(&self) -> io::Result<KeyPair> {
        let path = self.identity_path();
        let comment = format!("vlab lab {}", self.lab);
        Self::key_at(&path, &comment)
    }

    /// `node`'s SSH host key, made on first use (`ensure_host_keys` also pins it).
    pub fn host_key(&self, node: &str) -> io::Result<KeyPair> {
        let path = self.dir.join("host-keys").join(node);
        let comment = format!("{node} of vlab lab {}", self.lab);
        Self::key_at(&path, &comment)
    }

    /// Makes the host keys of `nodes` that are missing, then writes `known_hosts` once if
    /// any was made or the file is missing, so it lists every key the lab has.
    pub fn ensure_host_keys<'a>(&self, nodes: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        let mut made = false;
        for node in nodes {
            made |= !self.dir.join("host-keys").join(node).exists();
            self.host_key(node)?;
        }
        if made || !self.known_hosts_path().exists() {
            self.write_known_hosts()?;
        }
        Ok(())
    }

    /// Forgets every node's host key (after `vlab destroy`: the guests they belonged to are
    /// gone), so guests made again get new ones; `known_hosts` is emptied. The login key
    /// stays. True when there were keys to forget.
    pub fn forget_host_keys(&self) -> io::Result<bool> {
        let dir = self.dir.join("host-keys");
        let had = match std::fs::remove_dir_all(&dir) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        if had || self.known_hosts_path().exists() {
            self.write_known_hosts()?;
        }
        Ok(had)
    }

    /// Writes `known_hosts` anew from every host key the lab has.
    pub fn write_known_hosts(&self) -> io::Result<()> {
        let mut known = KnownHosts::default();
        let dir = self.dir.join("host-keys");
        let mut nodes: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| !name.ends_with(".pub") && !name.starts_with('.'))
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        nodes.sort();
        for node in nodes {
            let public = std::fs::read_to_string(dir.join(format!("{node}.pub")))?;
            known.add(&self.host_alias(&node), public.trim());
        }
        create_private_dir(&self.dir)?;
        private_file::write(&self.known_hosts_path(), known.render().as_bytes())
    }

    /// The key pair at `path` (`path` and `path.pub`), made now if there is none.
    fn key_at(path: &Path, comment: &str) -> io::Result<KeyPair> {
        let public_path = path.with_file_name(format!(
            "{}.pub",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("key")
        ));
        if let (Ok(private), Ok(public)) = (
            std::fs::read_to_string(path),
            std::fs::read_to_string(&public_path),
        ) {
            return Ok(KeyPair {
                private,
                public: public.trim().to_string(),
            });
        }
        if let Some(parent) = path.parent() {
            create_private_dir(parent)?;
        }
        let pair = generate(comment)?;
        // The public half last: a half-written pair (no `.pub`) is made again next time.
        private_file::write(path, pair.private.as_bytes())?;
        private_file::write(&public_path, format!("{}\n", pair.public).as_bytes())?;
        Ok(pair)
    }
}

/// A new Ed25519 key pair from the operating system's random numbers.
pub fn generate(comment: &str) -> io::Result<KeyPair> {
    let mut key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(io::Error::other)?;
    key.set_comment(comment);
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(io::Error::other)?
        .to_string();
    let public = key.public_key().to_openssh().map_err(io::Error::other)?;
    Ok(KeyPair { private, public })
}

/// `VLAB_DATA_DIR`, else `$XDG_DATA_HOME/vlab`, else `~/.local/share/vlab`.
pub fn data_dir() -> io::Result<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("VLAB_DATA_DIR") {
        return Ok(dir);
    }
    if let Some(dir) = env("XDG_DATA_HOME") {
        return Ok(dir.join("vlab"));
    }
    match env("HOME") {
        Some(home) => Ok(home.join(".local").join("share").join("vlab")),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            "neither VLAB_DATA_DIR nor HOME is set: vlab has nowhere to keep the lab's keys",
        )),
    }
}

/// Creates `dir` and its missing parents, each new one 0700.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn keys_are_made_once_kept_private_and_pinned_by_alias() {
        let data = tempfile::tempdir().expect("tempdir");
        let keys = LabKeys::in_dir(data.path(), "web").expect("keys");
        let login = keys.login_key().expect("login key");
        assert!(
            login
                .private
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        );
        assert!(login.public.starts_with("ssh-ed25519 AAAA"));
        assert!(login.public.ends_with(" vlab lab web"));
        assert_eq!(
            keys.login_key().expect("again"),
            login,
            "made once, then read"
        );
        assert_eq!(mode(&keys.identity_path()), 0o600);
        assert_eq!(mode(keys.dir()), 0o700);

        keys.ensure_host_keys(["web-1"]).expect("pinned");
        let host = keys.host_key("web-1").expect("host key");
        assert_ne!(host.public, login.public);
        assert_eq!(keys.host_key("web-1").expect("again"), host);
        assert_eq!(mode(&keys.dir().join("host-keys/web-1")), 0o600);
        let known = std::fs::read_to_string(keys.known_hosts_path()).expect("known_hosts");
        let key_part: Vec<&str> = host.public.split(' ').take(2).collect();
        let key_part = key_part.join(" ");
        assert_eq!(known, format!("vlab.web.web-1 {key_part}\n"));
        assert_eq!(mode(&keys.known_hosts_path()), 0o600);

        keys.ensure_host_keys(["web-1", "db"]).expect("second node");
        let known = std::fs::read_to_string(keys.known_hosts_path()).expect("known_hosts");
        let aliases: Vec<&str> = known.lines().filter_map(|l| l.split(' ').next()).collect();
        assert_eq!(aliases, ["vlab.web.db", "vlab.web.web-1"]);
    }

    #[test]
    fn forgotten_host_keys_are_made_anew_and_the_login_key_stays() {
        let data = tempfile::tempdir().expect("tempdir");
        let keys = LabKeys::in_dir(data.path(), "lab").expect("keys");
        assert!(!keys.forget_host_keys().expect("nothing to forget"));
        assert!(!keys.dir().exists(), "forgetting makes no folder");
        let login = keys.login_key().expect("login").public;
        keys.ensure_host_keys(["a", "b"]).expect("host keys");
        let old = keys.host_key("a").expect("a").public;
        assert!(keys.forget_host_keys().expect("forget"));
        assert_eq!(
            std::fs::read_to_string(keys.known_hosts_path()).expect("known"),
            ""
        );
        keys.ensure_host_keys(["a"]).expect("host keys");
        assert_ne!(keys.host_key("a").expect("a").public, old);
        assert_eq!(keys.login_key().expect("login").public, login);
        let known = std::fs::read_to_string(keys.known_hosts_path()).expect("known");
        assert_eq!(known.lines().count(), 1, "{known}");
    }

    #[test]
    fn a_name_that_would_leave_the_labs_folder_is_refused() {
        let data = tempfile::tempdir().expect("tempdir");
        for bad in ["", "..", "a/b", ".hidden"] {
            assert!(LabKeys::in_dir(data.path(), bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_private_key_is_not_in_debug_output() {
        let pair = generate("t").expect("key");
        let shown = format!("{pair:?}");
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
        assert!(shown.contains("ssh-ed25519"));
    }
}
