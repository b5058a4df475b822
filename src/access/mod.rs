//! Getting into a running lab over SSH: the keys vlab makes and keeps for each lab (a login
//! key, and a host key per node that the guest gets in its seed, so its identity is known
//! before it boots), the pinned `known_hosts` file, the OpenSSH configuration that
//! `vlab ssh-config` prints, the Ansible inventory that `vlab inventory` prints, and which
//! nodes a command selects (`NodeSelector`). Files and text only: reading the hosts for
//! addresses is `pipeline::node_access`'s, running ssh is `vlab ssh`'s and `vlab exec`'s.

pub mod group_set;
pub mod inventory;
pub mod inventory_text;
pub mod known_hosts;
pub mod lab_keys;
pub mod node_selector;
pub mod seat_handout;
pub mod ssh_config;
