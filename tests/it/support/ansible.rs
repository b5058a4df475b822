//! Real Ansible for the host tests: the programs of the ansible-core that scripts/test.sh
//! installs in a virtual environment (`ensure_ansible` in scripts/lib/common.sh), found in
//! the directory `VLAB_TEST_ANSIBLE` names (default `/opt/vlab-ansible/bin`, where the
//! script puts it). A missing program fails the test with what to do, never skips it.

use std::path::PathBuf;
use std::process::Command;

pub const VAR: &str = "VLAB_TEST_ANSIBLE";
pub const DEFAULT_DIR: &str = "/opt/vlab-ansible/bin";

/// The path of Ansible's program `name` (`ansible`, `ansible-inventory`, `python`).
pub fn program(name: &str) -> PathBuf {
    let dir = std::env::var_os(VAR).map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from);
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} not found: these tests need ansible-core; run scripts/test.sh (it installs it \
         into /opt/vlab-ansible), or install it yourself (`python3 -m venv DIR && \
         DIR/bin/pip install ansible-core`) and set {VAR}=DIR/bin",
        path.display()
    );
    path
}

/// `name` ready to run: no colour, host keys checked (whatever the environment says), no
/// configuration file or inventory from the environment (callers set `HOME` to their
/// temporary folder, so `~/.ansible.cfg` and `~/.ansible` are theirs).
pub fn command(name: &str) -> Command {
    let mut command = Command::new(program(name));
    command
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOST_KEY_CHECKING", "True")
        .env_remove("ANSIBLE_CONFIG")
        .env_remove("ANSIBLE_INVENTORY");
    command
}
