//! Pure tests of cloud-init rendering: `vlab::cloud_init::render` on labs checked from KDL
//! text, the rendered user-data / meta-data / network-config (parsed as YAML and checked by
//! structure), instance ids, secret masking, the NoCloud seed image and render errors.
//!
//! No external tools and no network: custom templates live in a temporary directory next to
//! a lab file that is never written (the lab text is given to `LabSource::from_bytes`).

use std::io::Read;
use std::path::Path;
use vlab::cloud_init::render_error::RenderError;
use vlab::cloud_init::{RenderedNode, render};
use vlab::lab::{Lab, Node};
use vlab::language::lab_source::LabSource;
use yaml_rust2::{Yaml, YamlLoader};

/// Line 1 of most labs: the lab's only image, so nodes need not name one.
pub(crate) const IMG: &str = "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n";

const KEY_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGf8gVMxxlWlqi044FirpcHbSBRpbfCWpvhwObYEjMNz alice@laptop";
const KEY_B: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRzbWU7XMxgU9jT5Z4/f08aP2xJpkI6q7kVFfmGg1bk bob@desktop";

/// A SHA-512 crypt hash, as `password_hash` would hold.
pub(crate) const HASH: &str = "$6$Qm3vT8xLw2$aVdFlGU0e.4GiJaXrgzKD0LV.epHvMET3DgdD8K2Vc33XUwG0d0sU04VuSJgvhbMSH97c5oQDtX3jhbyxU/bB.";

// ---- helpers --------------------------------------------------------------------------------

/// Checks `kdl` as if read from `path`; panics with every diagnostic if it does not resolve.
pub(crate) fn check_at(path: &Path, kdl: &str) -> Lab {
    let source = LabSource::from_bytes(path, kdl.as_bytes().to_vec()).expect("lab source accepted");
    match vlab::check(&source) {
        Ok(lab) => lab,
        Err(diagnostics) => {
            let list: Vec<String> = diagnostics
                .iter()
                .map(|d| {
                    let l = d.locate("lab.kdl", kdl);
                    format!("{}:{} {}: {}", l.line, l.column, l.code, l.message)
                })
                .collect();
            panic!("lab should resolve, got:\n{}", list.join("\n"));
        }
    }
}

/// A lab with no template files of its own.
pub(crate) fn lab(kdl: &str) -> Lab {
    check_at(Path::new("lab.kdl"), kdl)
}

/// A lab whose file is `dir/lab.kdl`, so template paths resolve against `dir`.
pub(crate) fn lab_in(dir: &Path, kdl: &str) -> Lab {
    check_at(&dir.join("lab.kdl"), kdl)
}

/// A temporary directory holding the given files.
pub(crate) fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write template");
    }
    dir
}

pub(crate) fn node<'a>(lab: &'a Lab, name: &str) -> &'a Node {
    lab.node(name).unwrap_or_else(|| panic!("no node `{name}`"))
}

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| k.to_string()).collect()
}

/// Renders node `name`, which must succeed.
pub(crate) fn render_ok(lab: &Lab, name: &str, ssh_keys: &[String]) -> RenderedNode {
    render(lab, node(lab, name), ssh_keys)
        .unwrap_or_else(|e| panic!("render of `{name}` failed: {e}"))
}

/// Renders node `name`, which must fail.
pub(crate) fn render_err(lab: &Lab, name: &str) -> RenderError {
    match render(lab, node(lab, name), &[]) {
        Ok(r) => panic!(
            "render of `{name}` should fail, got user-data:\n{}",
            r.user_data
        ),
        Err(e) => e,
    }
}

/// The single YAML document in `text`.
pub(crate) fn yaml(text: &str) -> Yaml {
    let mut docs =
        YamlLoader::load_from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
    assert_eq!(docs.len(), 1, "one YAML document expected in:\n{text}");
    docs.remove(0)
}

pub(crate) fn string(value: &Yaml) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value:?}"))
}

fn strings(value: &Yaml) -> Vec<String> {
    value
        .as_vec()
        .unwrap_or_else(|| panic!("expected a list, got {value:?}"))
        .iter()
        .map(|v| string(v).to_string())
        .collect()
}

/// The `ethernets` entry for interface `name` in a network-config.
fn ethernet<'a>(config: &'a Yaml, name: &str) -> &'a Yaml {
    let entry = &config["ethernets"][name];
    assert!(
        !entry.is_badvalue(),
        "no ethernets entry `{name}` in {config:?}"
    );
    entry
}

/// The resolved MAC of `node`'s interface `name`, as network-config writes it.
fn mac_of(node: &Node, name: &str) -> String {
    node.interfaces
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("node `{}` has no interface `{name}`", node.name))
        .mac
        .to_string()
}

/// The single default user of a user-data document.
pub(crate) fn only_user(user_data: &Yaml) -> &Yaml {
    let users = user_data["users"].as_vec().expect("users is a list");
    assert_eq!(users.len(), 1, "exactly one user: {users:?}");
    &users[0]
}

/// Reads every file of a seed image's root directory, mounted read-only.
fn seed_files(image: Vec<u8>) -> (String, Vec<(String, String)>) {
    let fs = fatfs::FileSystem::new(std::io::Cursor::new(image), fatfs::FsOptions::new())
        .expect("seed mounts as FAT");
    let label = fs.volume_label();
    let root = fs.root_dir();
    let mut files = Vec::new();
    for entry in root.iter() {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if name == "." || name == ".." {
            continue;
        }
        assert!(entry.is_file(), "`{name}` in the seed is not a file");
        let mut text = String::new();
        entry
            .to_file()
            .read_to_string(&mut text)
            .expect("read seed file");
        files.push((name, text));
    }
    files.sort();
    (label, files)
}

// ---- 1. defaults ----------------------------------------------------------------------------

const DEFAULTS_LAB: &str = r#"lab "demo"
image "img" url="https://x.test/i.qcow2" unverified=#true
network "lan" cidr="10.0.0.0/24" domain="lab.test"
network "back" mode="isolated" cidr="10.1.0.0/24" domain="back.test"
network "plain" cidr="10.2.0.0/24"
node "web" {
    interface network="lan" address="10.0.0.10"
    interface network="back"
}
node "bare" { interface network="plain"; }
node "none""#;

#[test]
fn default_user_data_is_cloud_config_with_hostname_fqdn_and_the_vlab_user() {
    let lab = lab(DEFAULTS_LAB);
    let rendered = render_ok(&lab, "web", &keys(&[KEY_A, KEY_B]));
    assert!(
        rendered.user_data.starts_with("#cloud-config\n"),
        "user-data must start with #cloud-config:\n{}",
        rendered.user_data
    );
    assert_eq!(rendered.node, "web");
    let ud = yaml(&rendered.user_data);
    assert_eq!(string(&ud["hostname"]), "web");
    assert_eq!(
        string(&ud["fqdn"]),
        "web.lab.test",
        "domain of the first network"
    );
    let user = only_user(&ud);
    assert_eq!(string(&user["name"]), "vlab");
    assert_eq!(strings(&user["groups"]), ["sudo"]);
    assert_eq!(string(&user["sudo"]), "ALL=(ALL) NOPASSWD:ALL");
    assert_eq!(user["lock_passwd"].as_bool(), Some(true));
    assert!(user["passwd"].is_badvalue(), "no password without a hash");
    assert_eq!(strings(&user["ssh_authorized_keys"]), [KEY_A, KEY_B]);
    assert_eq!(ud["ssh_pwauth"].as_bool(), Some(false));
}

#[test]
fn default_user_data_without_keys_or_domain_omits_them() {
    let lab = lab(DEFAULTS_LAB);
    for name in ["bare", "none"] {
        let rendered = render_ok(&lab, name, &[]);
        let ud = yaml(&rendered.user_data);
        assert_eq!(string(&ud["hostname"]), name);
        assert!(
            ud["fqdn"].is_badvalue(),
            "`{name}` has no network with a domain, so no fqdn: {ud:?}"
        );
        let user = only_user(&ud);
        assert_eq!(string(&user["name"]), "vlab");
        assert_eq!(user["lock_passwd"].as_bool(), Some(true));
        assert!(
            user["ssh_authorized_keys"].is_badvalue(),
            "no keys given, so no ssh_authorized_keys: {user:?}"
        );
    }
}

#[test]
fn default_meta_data_has_instance_id_and_local_hostname() {
    let lab = lab(DEFAULTS_LAB);
    let rendered = render_ok(&lab, "web", &keys(&[KEY_A]));
    let md = yaml(&rendered.meta_data);
    assert_eq!(string(&md["instance-id"]), rendered.instance_id);
    assert_eq!(string(&md["local-hostname"]), "web");
    assert_eq!(rendered.vendor_data, None);
    let names: Vec<&str> = rendered.files().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["meta-data", "user-data", "network-config"]);
}

// ---- 2. variables and secrets ---------------------------------------------------------------

#[test]
fn lab_var_user_renames_the_default_user() {
    let lab = lab(&format!(
        "lab \"vars\" {{ vars {{ user \"alice\"; }}; }}\n{IMG}node \"a\""
    ));
    let rendered = render_ok(&lab, "a", &keys(&[KEY_A]));
    let ud = yaml(&rendered.user_data);
    assert_eq!(string(&only_user(&ud)["name"]), "alice");
    assert_eq!(strings(&only_user(&ud)["ssh_authorized_keys"]), [KEY_A]);
}

#[test]
fn node_var_user_renames_the_default_user_and_beats_the_lab_var() {
    let both = lab(&format!(
        r#"lab "vars" {{ vars {{ user "alice"; }}; }}
{IMG}node "a"
node "b" {{ cloud-init {{ vars {{ user "bob"; }}; }}; }}"#
    ));
    let a = yaml(&render_ok(&both, "a", &[]).user_data);
    assert_eq!(string(&only_user(&a)["name"]), "alice", "lab var");
    let b = yaml(&render_ok(&both, "b", &[]).user_data);
    assert_eq!(string(&only_user(&b)["name"]), "bob", "node var wins");

    let only_node = lab(&format!(
        "{IMG}node \"c\" {{ cloud-init {{ vars {{ user \"carol\"; }}; }}; }}"
    ));
    let c = yaml(&render_ok(&only_node, "c", &[]).user_data);
    assert_eq!(string(&only_user(&c)["name"]), "carol", "node var alone");
}

#[test]
fn secret_password_hash_unlocks_the_password_and_is_masked() {
    let lab = lab(&format!(
        "lab \"sec\" {{ vars {{ password_hash \"{HASH}\" secret=#true; }}; }}\n{IMG}node \"a\""
    ));
    let rendered = render_ok(&lab, "a", &[]);
    let ud = yaml(&rendered.user_data);
    let user = only_user(&ud);
    assert_eq!(user["lock_passwd"].as_bool(), Some(false));
    assert_eq!(
        string(&user["passwd"]),
        HASH,
        "the hash itself goes to the guest"
    );
    assert!(rendered.secrets.iter().any(|s| s == HASH));

    let masked = rendered.masked(&rendered.user_data);
    assert!(
        !masked.contains(HASH),
        "masked text must not show the hash:\n{masked}"
    );
    assert!(masked.contains("(secret)"), "masked text:\n{masked}");
    let masked_yaml = yaml(&masked);
    assert_eq!(string(&only_user(&masked_yaml)["passwd"]), "(secret)");
    assert_eq!(
        rendered.masked("no secrets here"),
        "no secrets here",
        "text without secrets is unchanged"
    );
}

#[test]
fn secret_node_var_is_masked_too() {
    let lab = lab(&format!(
        "{IMG}node \"a\" {{ cloud-init {{ vars {{ password_hash \"{HASH}\" secret=#true; }}; }}; }}"
    ));
    let rendered = render_ok(&lab, "a", &[]);
    let ud = yaml(&rendered.user_data);
    assert_eq!(only_user(&ud)["lock_passwd"].as_bool(), Some(false));
    assert_eq!(string(&only_user(&ud)["passwd"]), HASH);
    let masked = rendered.masked(&rendered.user_data);
    assert!(!masked.contains(HASH));
    assert!(masked.contains("(secret)"));
}

#[test]
fn non_secret_vars_are_not_masked() {
    let lab = lab(&format!(
        "lab \"v\" {{ vars {{ user \"alice\"; }}; }}\n{IMG}node \"a\""
    ));
    let rendered = render_ok(&lab, "a", &[]);
    assert!(rendered.secrets.is_empty(), "{:?}", rendered.secrets);
    assert_eq!(rendered.masked(&rendered.user_data), rendered.user_data);
}

// ---- 3. template overrides ------------------------------------------------------------------

const INFO_TEMPLATE: &str = r#"#cloud-config
hostname: {{ node.name }}
write_files:
  - path: /etc/vlab-info
    content: "lab={{ lab.name }} node={{ node.name }} index={{ node.index }} role={{ vars.role }} user={{ user }}"
"#;

/// The `content` of the first `write_files` entry.
fn info(user_data: &str) -> String {
    string(&yaml(user_data)["write_files"][0]["content"]).to_string()
}

#[test]
fn node_user_data_template_relative_to_the_lab_file_sees_node_vars_lab_and_user() {
    let dir = dir_with(&[("ud.tera", INFO_TEMPLATE)]);
    let lab = lab_in(
        dir.path(),
        &format!(
            r#"lab "ovr" {{ vars {{ user "alice"; role "base"; }}; }}
{IMG}node "web-{{index}}" count=2 {{
    cloud-init {{
        user-data "ud.tera"
        vars {{ role "web"; }}
    }}
}}"#
        ),
    );
    assert_eq!(
        node(&lab, "web-2").cloud_init.user_data.as_deref(),
        Some(dir.path().join("ud.tera").as_path()),
        "the path resolves against the lab file's directory"
    );
    let rendered = render_ok(&lab, "web-2", &[]);
    assert!(rendered.user_data.starts_with("#cloud-config\n"));
    assert_eq!(string(&yaml(&rendered.user_data)["hostname"]), "web-2");
    assert_eq!(
        info(&rendered.user_data),
        "lab=ovr node=web-2 index=2 role=web user=alice"
    );
    // Only user-data is replaced: the built-in meta-data and network-config stay.
    assert_eq!(
        string(&yaml(&rendered.meta_data)["local-hostname"]),
        "web-2"
    );
    assert_eq!(yaml(&rendered.network_config)["version"].as_i64(), Some(2));
}

#[test]
fn defaults_cloud_init_templates_apply_to_every_node_and_the_node_own_wins() {
    let dir = dir_with(&[
        ("common.tera", INFO_TEMPLATE),
        (
            "db.tera",
            "#cloud-config\nhostname: {{ node.name }}\nruncmd:\n  - [echo, \"db {{ vars.role }}\"]\n",
        ),
        (
            "meta.tera",
            "instance-id: {{ instance_id }}\nlocal-hostname: {{ node.name }}\nrole: {{ vars.role }}\n",
        ),
    ]);
    let lab = lab_in(
        dir.path(),
        &format!(
            r#"lab "ovr" {{ vars {{ role "base"; }}; }}
{IMG}defaults {{
    cloud-init {{
        user-data "common.tera"
        meta-data "meta.tera"
        vars {{ role "worker"; }}
    }}
}}
node "app-{{index}}" count=2
node "db" {{
    cloud-init {{
        user-data "db.tera"
        vars {{ role "database"; }}
    }}
}}"#
        ),
    );
    for (name, index) in [("app-1", 1), ("app-2", 2)] {
        let rendered = render_ok(&lab, name, &[]);
        assert_eq!(
            info(&rendered.user_data),
            format!("lab=ovr node={name} index={index} role=worker user=vlab"),
            "defaults template and defaults vars for `{name}`"
        );
        let md = yaml(&rendered.meta_data);
        assert_eq!(string(&md["role"]), "worker", "defaults meta-data");
        assert_eq!(string(&md["instance-id"]), rendered.instance_id);
    }
    let db = render_ok(&lab, "db", &[]);
    let ud = yaml(&db.user_data);
    assert_eq!(string(&ud["hostname"]), "db");
    assert!(
        ud["write_files"].is_badvalue(),
        "the node's own user-data replaces the default one"
    );
    assert_eq!(strings(&ud["runcmd"][0]), ["echo", "db database"]);
    let md = yaml(&db.meta_data);
    assert_eq!(
        string(&md["role"]),
        "database",
        "meta-data still from defaults, with the node's var"
    );
}

#[test]
fn custom_network_config_template_replaces_the_built_in_one() {
    let dir = dir_with(&[(
        "net.tera",
        "version: 2\nethernets:\n  {{ node.interfaces.0.name }}:\n    dhcp4: true\n    dhcp-identifier: mac\n",
    )]);
    let lab = lab_in(
        dir.path(),
        &format!(
            r#"{IMG}network "lan" cidr="10.0.0.0/24"
node "a" {{
    interface network="lan" address="10.0.0.5"
    cloud-init {{ network-config "net.tera"; }}
}}"#
        ),
    );
    let rendered = render_ok(&lab, "a", &[]);
    let nc = yaml(&rendered.network_config);
    let eth0 = ethernet(&nc, "eth0");
    assert_eq!(eth0["dhcp4"].as_bool(), Some(true));
    assert_eq!(string(&eth0["dhcp-identifier"]), "mac");
    assert!(eth0["addresses"].is_badvalue());
}

// ---- 4. count and index ---------------------------------------------------------------------

#[test]
fn counted_nodes_render_their_own_index_and_static_addresses() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: {{ node.name }}\nbootcmd:\n  - [echo, \"seat {{ node.index }}\"]\n",
    )]);
    let lab = lab_in(
        dir.path(),
        &format!(
            r#"lab "cnt"
{IMG}network "lan" cidr="10.0.0.0/24"
node "web-{{index}}" count=3 {{
    interface network="lan" address="10.0.0.{{index+10}}"
    cloud-init {{ user-data "ud.tera"; }}
}}"#
        ),
    );
    let mut ids = Vec::new();
    for i in 1..=3u32 {
        let name = format!("web-{i}");
        let rendered = render_ok(&lab, &name, &[]);
        let ud = yaml(&rendered.user_data);
        assert_eq!(string(&ud["hostname"]), name);
        assert_eq!(
            strings(&ud["bootcmd"][0]),
            ["echo".to_string(), format!("seat {i}")]
        );
        let nc = yaml(&rendered.network_config);
        let eth0 = ethernet(&nc, "eth0");
        assert_eq!(
            strings(&eth0["addresses"]),
            [format!("10.0.0.{}/24", i + 10)]
        );
        ids.push(rendered.instance_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every copy has its own instance-id");
}

#[test]
fn built_in_templates_for_counted_nodes_carry_their_names() {
    let lab = lab(&format!(
        "{IMG}network \"lan\" cidr=\"10.0.0.0/24\"\nnode \"web-{{index}}\" count=3 {{ interface network=\"lan\" address=\"10.0.0.{{index+10}}\"; }}"
    ));
    for i in 1..=3u32 {
        let name = format!("web-{i}");
        let rendered = render_ok(&lab, &name, &[]);
        assert_eq!(string(&yaml(&rendered.user_data)["hostname"]), name);
        assert_eq!(string(&yaml(&rendered.meta_data)["local-hostname"]), name);
        let nc = yaml(&rendered.network_config);
        assert_eq!(
            strings(&ethernet(&nc, "eth0")["addresses"]),
            [format!("10.0.0.{}/24", i + 10)]
        );
    }
}

// ---- 5. network-config ----------------------------------------------------------------------

const NET_LAB: &str = r#"lab "net"
image "img" url="https://x.test/i.qcow2" unverified=#true
network "lan" cidr="10.0.0.0/24" domain="lab.test"
network "back" mode="isolated" cidr="10.1.0.0/24"
network "l2" mode="isolated"
node "srv" {
    interface network="lan" address="10.0.0.10"
    interface network="back" mac="52:54:00:12:34:56"
    interface network="l2"
}
node "cli" {
    interface network="lan"
    interface network="back" address="10.1.0.20"
}
node "r1" { interface network="lan" address="10.0.0.20"; }
node "r2" { interface network="lan" address="10.0.0.21"; }
link "r1:eth1" "r2:eth1" cidr="10.255.0.0/30""#;

#[test]
fn network_config_static_interface_on_nat_has_address_default_route_and_dns() {
    let lab = lab(NET_LAB);
    let rendered = render_ok(&lab, "srv", &[]);
    let nc = yaml(&rendered.network_config);
    assert_eq!(nc["version"].as_i64(), Some(2));
    let eth0 = ethernet(&nc, "eth0");
    assert_eq!(eth0["dhcp4"].as_bool(), Some(false));
    assert_eq!(strings(&eth0["addresses"]), ["10.0.0.10/24"]);
    // `gateway4` rather than a `routes` entry to 0.0.0.0/0: cloud-init's ifupdown renderer
    // turns routes into `post-up route add ... || true`, which silently does nothing on an
    // image without net-tools (a Debian 12 cloud image), while `gateway4` becomes ifupdown's
    // own `gateway` (and a default route for netplan, networkd and sysconfig).
    assert_eq!(string(&eth0["gateway4"]), "10.0.0.1");
    assert!(eth0["routes"].is_badvalue());
    assert_eq!(strings(&eth0["nameservers"]["addresses"]), ["10.0.0.1"]);
    assert_eq!(strings(&eth0["nameservers"]["search"]), ["lab.test"]);
    assert!(eth0["dhcp4-overrides"].is_badvalue());
}

#[test]
fn network_config_interfaces_are_matched_by_mac_and_renamed() {
    let lab = lab(NET_LAB);
    for name in ["srv", "cli", "r1", "r2"] {
        let n = node(&lab, name);
        let rendered = render_ok(&lab, name, &[]);
        let nc = yaml(&rendered.network_config);
        let entries = nc["ethernets"].as_hash().expect("ethernets is a map");
        assert_eq!(
            entries.len(),
            n.interfaces.len(),
            "one entry per interface of `{name}`"
        );
        for interface in &n.interfaces {
            let entry = ethernet(&nc, &interface.name);
            assert_eq!(
                string(&entry["match"]["macaddress"]),
                interface.mac.to_string(),
                "`{name}:{}` matched by its MAC",
                interface.name
            );
            assert_eq!(string(&entry["set-name"]), interface.name);
        }
    }
    let srv = node(&lab, "srv");
    assert_eq!(mac_of(srv, "eth1"), "52:54:00:12:34:56", "the given MAC");
}

#[test]
fn network_config_dhcp_interface_on_nat_has_no_addresses_and_takes_the_default_route() {
    let lab = lab(NET_LAB);
    let nc = yaml(&render_ok(&lab, "cli", &[]).network_config);
    let eth0 = ethernet(&nc, "eth0");
    assert_eq!(eth0["dhcp4"].as_bool(), Some(true));
    assert!(eth0["addresses"].is_badvalue());
    assert!(eth0["gateway4"].is_badvalue(), "the route comes from DHCP");
    assert!(eth0["nameservers"].is_badvalue(), "DNS comes from DHCP");
    assert!(
        eth0["dhcp4-overrides"].is_badvalue(),
        "the first DHCP interface leading out keeps DHCP routes"
    );
    // The static second interface on an isolated network: address and DNS, no route.
    let eth1 = ethernet(&nc, "eth1");
    assert_eq!(eth1["dhcp4"].as_bool(), Some(false));
    assert_eq!(strings(&eth1["addresses"]), ["10.1.0.20/24"]);
    assert!(
        eth1["gateway4"].is_badvalue(),
        "an isolated network never carries the default route"
    );
    assert_eq!(strings(&eth1["nameservers"]["addresses"]), ["10.1.0.1"]);
    assert!(
        eth1["nameservers"]["search"].is_badvalue(),
        "no domain on `back`"
    );
}

#[test]
fn network_config_dhcp_on_an_isolated_second_interface_does_not_take_routes() {
    let lab = lab(NET_LAB);
    let nc = yaml(&render_ok(&lab, "srv", &[]).network_config);
    let eth1 = ethernet(&nc, "eth1");
    assert_eq!(eth1["dhcp4"].as_bool(), Some(true));
    assert_eq!(eth1["dhcp4-overrides"]["use-routes"].as_bool(), Some(false));
    assert_eq!(eth1["dhcp4-overrides"]["use-dns"].as_bool(), Some(false));
    assert!(eth1["addresses"].is_badvalue());
    assert!(eth1["gateway4"].is_badvalue());
}

#[test]
fn network_config_isolated_network_without_cidr_is_left_unconfigured() {
    let lab = lab(NET_LAB);
    let nc = yaml(&render_ok(&lab, "srv", &[]).network_config);
    let eth2 = ethernet(&nc, "eth2");
    assert_eq!(eth2["dhcp4"].as_bool(), Some(false));
    assert!(eth2["addresses"].is_badvalue());
    assert!(eth2["gateway4"].is_badvalue());
    assert!(eth2["nameservers"].is_badvalue());
    assert!(eth2["dhcp4-overrides"].is_badvalue());
}

#[test]
fn network_config_link_interfaces_get_their_link_addresses_without_gateway() {
    let lab = lab(NET_LAB);
    for (name, address) in [("r1", "10.255.0.1/30"), ("r2", "10.255.0.2/30")] {
        let nc = yaml(&render_ok(&lab, name, &[]).network_config);
        let eth0 = ethernet(&nc, "eth0");
        assert!(
            !eth0["gateway4"].is_badvalue(),
            "`{name}:eth0` on the nat network carries the default route"
        );
        let eth1 = ethernet(&nc, "eth1");
        assert_eq!(eth1["dhcp4"].as_bool(), Some(false));
        assert_eq!(strings(&eth1["addresses"]), [address], "`{name}:eth1`");
        assert!(eth1["gateway4"].is_badvalue(), "a link has no gateway");
        assert!(eth1["nameservers"].is_badvalue());
        assert!(eth1["dhcp4-overrides"].is_badvalue());
    }
}

#[test]
fn network_config_link_without_cidr_is_left_unconfigured() {
    let lab = lab(&format!(
        "{IMG}node \"a\"\nnode \"b\"\nlink \"a:p0\" \"b:p0\""
    ));
    let nc = yaml(&render_ok(&lab, "a", &[]).network_config);
    let p0 = ethernet(&nc, "p0");
    assert_eq!(p0["dhcp4"].as_bool(), Some(false));
    assert!(p0["addresses"].is_badvalue());
    assert_eq!(
        string(&p0["match"]["macaddress"]),
        mac_of(node(&lab, "a"), "p0")
    );
}

#[test]
fn network_config_default_route_goes_to_the_first_interface_leading_out() {
    let lab = lab(&format!(
        r#"{IMG}network "back" mode="isolated" cidr="10.1.0.0/24"
network "lan" cidr="10.0.0.0/24"
network "wan" mode="route" cidr="10.2.0.0/24"
node "a" {{
    interface network="back" address="10.1.0.5"
    interface network="lan" address="10.0.0.5"
    interface network="wan" address="10.2.0.5"
}}"#
    ));
    let nc = yaml(&render_ok(&lab, "a", &[]).network_config);
    assert!(ethernet(&nc, "eth0")["gateway4"].is_badvalue(), "isolated");
    assert_eq!(
        string(&ethernet(&nc, "eth1")["gateway4"]),
        "10.0.0.1",
        "the first nat/route interface"
    );
    assert!(
        ethernet(&nc, "eth2")["gateway4"].is_badvalue(),
        "only one default route"
    );
}

#[test]
fn fqdn_takes_the_domain_of_the_first_network_that_has_one() {
    let lab = lab(&format!(
        r#"{IMG}network "iso" mode="isolated"
network "dom" mode="isolated" cidr="10.8.0.0/24" domain="d.test"
node "c" {{
    interface network="iso"
    interface network="dom"
}}"#
    ));
    let ud = yaml(&render_ok(&lab, "c", &[]).user_data);
    // docs/cloud-init.md says "when the node's first network has a `domain`" for user-data
    // but "its first network that has one" for `node.domain`; the code does the latter.
    assert_eq!(string(&ud["fqdn"]), "c.d.test");
}

#[test]
fn network_config_bridge_network_with_cidr_and_no_address() {
    let lab = lab(&format!(
        r#"{IMG}network "office" mode="bridge" bridge="br0" cidr="192.168.1.0/24"
network "lan" mode="bridge" bridge="br1"
node "a" {{ interface network="office"; }}
node "b" {{ interface network="lan"; }}
node "s" {{ interface network="office" address="192.168.1.50"; }}"#
    ));
    // A bridge without cidr: the LAN's own DHCP server configures the interface.
    let b = yaml(&render_ok(&lab, "b", &[]).network_config);
    assert_eq!(ethernet(&b, "eth0")["dhcp4"].as_bool(), Some(true));
    assert!(ethernet(&b, "eth0")["dhcp4-overrides"].is_badvalue());
    // A static address on a bridge with cidr: address and route, no DNS (vlab runs none).
    let s = yaml(&render_ok(&lab, "s", &[]).network_config);
    let eth0 = ethernet(&s, "eth0");
    assert_eq!(strings(&eth0["addresses"]), ["192.168.1.50/24"]);
    assert_eq!(string(&eth0["gateway4"]), "192.168.1.1");
    assert!(eth0["nameservers"].is_badvalue());

    let a = yaml(&render_ok(&lab, "a", &[]).network_config);
    let eth0 = ethernet(&a, "eth0");
    assert!(eth0["addresses"].is_badvalue());
    // The bridge's own network answers DHCP; its cidr only serves static addresses.
    assert_eq!(eth0["dhcp4"].as_bool(), Some(true));
    assert!(
        eth0["gateway4"].is_badvalue(),
        "no static route without a static address"
    );
}

#[test]
fn network_config_nat_network_without_dhcp_and_no_address() {
    let lab = lab(&format!(
        r#"{IMG}network "lan" cidr="10.9.0.0/24" {{ dhcp #false; }}
node "a" {{ interface network="lan"; }}"#
    ));
    let nc = yaml(&render_ok(&lab, "a", &[]).network_config);
    let eth0 = ethernet(&nc, "eth0");
    assert_eq!(eth0["dhcp4"].as_bool(), Some(false), "nobody serves DHCP");
    assert!(eth0["addresses"].is_badvalue());
    // Neither address nor DHCP: no route or DNS server the guest could not use.
    assert!(eth0["gateway4"].is_badvalue());
    assert!(eth0["nameservers"].is_badvalue());
}

#[test]
fn node_without_interfaces_renders_valid_network_config() {
    let lab = lab(&format!("{IMG}node \"a\""));
    let rendered = render_ok(&lab, "a", &[]);
    let nc = yaml(&rendered.network_config);
    assert_eq!(nc["version"].as_i64(), Some(2));
    // `ethernets:` with nothing under it is YAML null.
    assert!(
        nc["ethernets"].is_null() || nc["ethernets"].as_hash().is_some_and(|h| h.is_empty()),
        "no ethernets: {nc:?}"
    );
}

// ---- 6. instance-id -------------------------------------------------------------------------

fn is_instance_id(id: &str, lab: &str, node: &str) -> bool {
    id.strip_prefix(&format!("{lab}-{node}-"))
        .is_some_and(|hex| {
            hex.len() == 12 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        })
}

#[test]
fn instance_id_is_lab_node_and_twelve_hex_digits_and_is_in_meta_data() {
    let lab = lab(DEFAULTS_LAB);
    let rendered = render_ok(&lab, "web", &keys(&[KEY_A]));
    assert!(
        is_instance_id(&rendered.instance_id, "demo", "web"),
        "instance-id `{}` is not demo-web-<12 hex>",
        rendered.instance_id
    );
    assert_eq!(
        string(&yaml(&rendered.meta_data)["instance-id"]),
        rendered.instance_id
    );
}

#[test]
fn instance_id_is_stable_for_identical_input() {
    let checked = lab(DEFAULTS_LAB);
    let first = render_ok(&checked, "web", &keys(&[KEY_A]));
    let second = render_ok(&checked, "web", &keys(&[KEY_A]));
    assert_eq!(first.instance_id, second.instance_id);
    assert_eq!(first, second, "the whole rendering is deterministic");
    // Checking the same text again gives the same lab, hence the same id.
    let again = render_ok(&lab(DEFAULTS_LAB), "web", &keys(&[KEY_A]));
    assert_eq!(first.instance_id, again.instance_id);
}

#[test]
fn instance_id_changes_with_a_var_the_templates_use_but_not_with_an_unused_one() {
    let with = |vars: &str| {
        let lab = lab(&format!(
            "lab \"ids\" {{ vars {{ {vars} }}; }}\n{IMG}node \"a\""
        ));
        render_ok(&lab, "a", &[]).instance_id
    };
    let alice = with("user \"alice\";");
    let bob = with("user \"bob\";");
    assert_ne!(alice, bob, "`user` is used by the built-in user-data");
    assert!(is_instance_id(&alice, "ids", "a"));
    assert!(is_instance_id(&bob, "ids", "a"));
    assert_eq!(
        alice,
        with("user \"alice\"; unused \"x\";"),
        "a variable no template uses does not change the rendered data"
    );
}

#[test]
fn instance_id_changes_with_ssh_keys() {
    let lab = lab(DEFAULTS_LAB);
    let a = render_ok(&lab, "web", &keys(&[KEY_A])).instance_id;
    let ab = render_ok(&lab, "web", &keys(&[KEY_A, KEY_B])).instance_id;
    assert_ne!(a, ab);
}

#[test]
fn instance_id_changes_with_a_var_used_by_a_custom_template() {
    let dir = dir_with(&[("ud.tera", INFO_TEMPLATE)]);
    let with = |role: &str| {
        let lab = lab_in(
            dir.path(),
            &format!(
                "{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; vars {{ role \"{role}\"; }}; }}; }}"
            ),
        );
        render_ok(&lab, "a", &[]).instance_id
    };
    assert_ne!(with("web"), with("db"));
    assert_eq!(with("web"), with("web"));
}

#[test]
fn instance_id_ignores_changes_that_only_reach_a_custom_meta_data() {
    let dir = dir_with(&[(
        "meta.tera",
        "instance-id: {{ instance_id }}\nlocal-hostname: {{ node.name }}\nrole: {{ vars.role }}\n",
    )]);
    let with = |role: &str| {
        let lab = lab_in(
            dir.path(),
            &format!(
                "{IMG}node \"a\" {{ cloud-init {{ meta-data \"meta.tera\"; vars {{ role \"{role}\"; }}; }}; }}"
            ),
        );
        render_ok(&lab, "a", &[])
    };
    let (web, db) = (with("web"), with("db"));
    assert_eq!(string(&yaml(&web.meta_data)["role"]), "web");
    assert_eq!(string(&yaml(&db.meta_data)["role"]), "db");
    // The digest covers meta-data too (rendered without the id itself).
    assert_ne!(web.instance_id, db.instance_id);
}

// ---- 7. seed image --------------------------------------------------------------------------

#[test]
fn seed_is_byte_identical_across_renders() {
    let lab = lab(DEFAULTS_LAB);
    let first = render_ok(&lab, "web", &keys(&[KEY_A]))
        .seed()
        .expect("seed");
    let second = render_ok(&lab, "web", &keys(&[KEY_A]))
        .seed()
        .expect("seed");
    assert!(first == second, "seeds differ between two renders");
    let other = render_ok(&lab, "bare", &keys(&[KEY_A]))
        .seed()
        .expect("seed");
    assert!(first != other, "another node, another seed");
}

#[test]
fn seed_is_a_cidata_fat_volume_holding_the_rendered_files() {
    let lab = lab(DEFAULTS_LAB);
    let rendered = render_ok(&lab, "web", &keys(&[KEY_A]));
    let (label, files) = seed_files(rendered.seed().expect("seed"));
    assert_eq!(label, "cidata");
    let expected = {
        let mut list = vec![
            ("meta-data".to_string(), rendered.meta_data.clone()),
            (
                "network-config".to_string(),
                rendered.network_config.clone(),
            ),
            ("user-data".to_string(), rendered.user_data.clone()),
        ];
        list.sort();
        list
    };
    assert_eq!(files, expected, "no vendor-data unless given");
}

#[test]
fn seed_holds_vendor_data_only_when_given() {
    let dir = dir_with(&[(
        "vendor.tera",
        "#cloud-config\nruncmd:\n  - [echo, \"vendor for {{ node.name }}\"]\n",
    )]);
    let lab = lab_in(
        dir.path(),
        &format!(
            "{IMG}node \"a\" {{ cloud-init {{ vendor-data \"vendor.tera\"; }}; }}\nnode \"b\""
        ),
    );
    let a = render_ok(&lab, "a", &[]);
    let vendor = a.vendor_data.clone().expect("vendor-data rendered");
    assert_eq!(
        strings(&yaml(&vendor)["runcmd"][0]),
        ["echo", "vendor for a"]
    );
    let names: Vec<&str> = a.files().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["meta-data", "user-data", "network-config", "vendor-data"]
    );
    let (label, files) = seed_files(a.seed().expect("seed"));
    assert_eq!(label, "cidata");
    let in_seed: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        in_seed,
        ["meta-data", "network-config", "user-data", "vendor-data"]
    );
    for (name, text) in &files {
        let rendered = a
            .files()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.to_string())
            .expect("rendered file");
        assert_eq!(text, &rendered, "`{name}` in the seed");
    }

    let b = render_ok(&lab, "b", &[]);
    assert_eq!(b.vendor_data, None);
    let (_, files) = seed_files(b.seed().expect("seed"));
    assert!(
        files.iter().all(|(n, _)| n != "vendor-data"),
        "no vendor-data for `b`: {files:?}"
    );
}

// ---- 8. errors ------------------------------------------------------------------------------

/// A lab whose node `a` takes its user-data from `dir/ud.tera`.
fn lab_with_user_data(dir: &Path) -> Lab {
    lab_in(
        dir,
        &format!("{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; }}; }}"),
    )
}

fn template_path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn tera_syntax_error_reports_the_template_path_and_line() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: {{ node.name }}\nusers:\n  - name: {{ user }\n",
    )]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    assert_eq!(error.node, "a");
    assert_eq!(error.line, Some(4), "{error}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:4: ", template_path(&dir, "ud.tera"))),
        "{error}"
    );
    assert!(error.help.is_some());
}

#[test]
fn tera_syntax_error_in_a_block_tag_reports_its_line() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: x\n\n\n{% if node.name %}\nfoo: 1\n",
    )]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    // The unclosed `if` (line 5) is only noticed by Tera at the end of the template: the
    // line reported is the one after the last (Tera's own position, passed through).
    assert_eq!(error.line, Some(7), "{error}");
}

#[test]
fn unknown_variable_reports_its_line_and_name() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: {{ node.name }}\nfqdn: {{ node.nmae }}.lab.test\n",
    )]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    assert_eq!(error.node, "a");
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.message.contains("node.nmae"), "{}", error.message);
    assert!(
        error.to_string().contains("(node `a`)"),
        "the display names the node: {error}"
    );
}

#[test]
fn unknown_variable_line_when_an_earlier_line_mentions_a_longer_name() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\na: {{ vars.role_name }}\nb: {{ vars.role }}\n",
    )]);
    let lab = lab_in(
        dir.path(),
        &format!(
            "{IMG}node \"a\" {{ cloud-init {{ user-data \"ud.tera\"; vars {{ role_name \"x\"; }}; }}; }}"
        ),
    );
    let error = render_err(&lab, "a");
    assert!(error.message.contains("vars.role"), "{}", error.message);
    // `vars.role_name` on line 2 is another variable: the undefined `vars.role` is on line 3.
    assert_eq!(error.line, Some(3), "{error}");
}

#[test]
fn rendered_user_data_that_is_not_yaml_reports_the_template_and_output_line() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: {{ node.name }}\nkey: [unclosed\n",
    )]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    assert_eq!(error.node, "a");
    assert!(
        error
            .message
            .contains("the rendered user-data is not valid YAML"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("of the output"),
        "the message gives the output line: {}",
        error.message
    );
    // The parser notices the unclosed sequence at the end of the input: the message points
    // at the last line with text, the offending one.
    assert!(
        error
            .message
            .ends_with("at line 3 of the output: `key: [unclosed`"),
        "{}",
        error.message
    );
}

#[test]
fn rendered_user_data_yaml_error_quotes_the_offending_output_line() {
    let dir = dir_with(&[(
        "ud.tera",
        "#cloud-config\nhostname: {{ node.name }}\nkey: value: bad\nother: 1\n",
    )]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    assert_eq!(
        error.line, None,
        "a template line is not known for output errors"
    );
    assert!(
        error
            .message
            .contains("the rendered user-data is not valid YAML"),
        "{}",
        error.message
    );
    assert!(
        error
            .message
            .contains("at line 3 of the output: `key: value: bad`"),
        "{}",
        error.message
    );
}

#[test]
fn rendered_network_config_that_is_not_yaml_is_an_error_too() {
    let dir = dir_with(&[("net.tera", "version: 2\nethernets: [unclosed\n")]);
    let lab = lab_in(
        dir.path(),
        &format!("{IMG}node \"a\" {{ cloud-init {{ network-config \"net.tera\"; }}; }}"),
    );
    let error = render_err(&lab, "a");
    assert_eq!(error.template, template_path(&dir, "net.tera"));
    assert!(
        error
            .message
            .contains("the rendered network-config is not valid YAML"),
        "{}",
        error.message
    );
}

#[test]
fn missing_template_file_reports_its_path() {
    let dir = dir_with(&[]);
    let error = render_err(&lab_with_user_data(dir.path()), "a");
    assert_eq!(error.template, template_path(&dir, "ud.tera"));
    assert_eq!(error.node, "a");
    assert_eq!(error.line, None);
    assert!(
        error.message.contains("cannot read the template"),
        "{}",
        error.message
    );
    assert!(
        error.to_string().contains(&template_path(&dir, "ud.tera")),
        "{error}"
    );
}

#[test]
fn shell_script_user_data_is_accepted_without_yaml_checks() {
    let script = "#!/bin/sh\necho {{ node.name }}\nkey: [unclosed\n";
    let dir = dir_with(&[("ud.tera", script)]);
    let rendered = render_ok(&lab_with_user_data(dir.path()), "a", &[]);
    assert_eq!(rendered.user_data, "#!/bin/sh\necho a\nkey: [unclosed\n");
    // The other files are still the built-in, valid YAML ones.
    assert_eq!(string(&yaml(&rendered.meta_data)["local-hostname"]), "a");
}
