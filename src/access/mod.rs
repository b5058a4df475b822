//! Getting into a running lab over SSH: the keys vlab makes and keeps for each lab (a login
//! key, and a host key per node that the guest gets in its seed, so its identity is known
//! before it boots), the pinned `known_hosts` file, the OpenSSH configuration that
//! `vlab ssh-config` prints, the Ansible inventory that `vlab inventory` prints, and which
//! nodes a command selects (`NodeSelector`), and `BatchSsh`, the one way vlab runs a
//! command in a guest without a terminal (`vlab exec`, `vlab test`). Reading the hosts for
//! addresses is `pipeline::node_access`'s; an interactive login is `vlab ssh`'s.

pub mod batch_ssh;
pub mod group_set;
pub mod inventory;
pub mod inventory_text;
pub mod known_hosts;
pub mod lab_keys;
pub mod node_selector;
pub mod seat_handout;
pub mod ssh_config;
