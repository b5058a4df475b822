//! The `groups` setting and counted nodes' base names, as `vlab inventory` uses them: the
//! diagnostics for bad `groups` (loader and resolver, with line, column and help), the
//! resolved groups (the defaults' first, then the node's), and the spec digest, which
//! groups must not change (a guest is not rebuilt because its Ansible group changed).

use std::path::Path;
use vlab::host::spec_digest::node_digest;
use vlab::lab::Lab;
use vlab::language::lab_source::LabSource;

use crate::support::diagnostic_cases::{Case, case, run_case};
use vlab::language::diagnostic_code::DiagnosticCode::*;

const IMG: &str = "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n";

macro_rules! img {
    () => {
        "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n"
    };
}

const CASES: &[Case] = &[
    case(
        "invalid-name: a dash",
        concat!(img!(), r#"node "a" { groups "web-servers"; }"#),
        &[(
            InvalidName,
            2,
            19,
            "invalid group name: `web-servers` contains `-`",
        )],
    )
    .help(&["write `web_servers`"]),
    case(
        "invalid-name: a digit first, after expansion",
        concat!(img!(), r#"node "a-{index}" count=1 groups="{index}x""#),
        &[(InvalidName, 2, 33, "`1x` must not start with a digit")],
    )
    .help(&["letters, digits and `_`"]),
    case(
        "invalid-name: Ansible's and vlab's own groups",
        concat!(
            img!(),
            r#"defaults { groups "all" "vlab_host_x" "_meta"; }"#,
            "\nnode \"a\""
        ),
        &[
            (
                InvalidName,
                2,
                19,
                "`all` is a group every Ansible inventory has",
            ),
            (InvalidName, 2, 25, "kept for vlab's own groups"),
            (InvalidName, 2, 39, "`_meta` holds the host variables"),
        ],
    ),
    case(
        "group-conflict: a node's name",
        concat!(img!(), "node \"db\"\nnode \"a\" { groups \"db\"; }"),
        &[(GroupConflict, 3, 19, "group `db` has the name of a node")],
    )
    .help(&["Ansible cannot tell a group from a host"]),
    case(
        "group-conflict: from defaults, once",
        concat!(
            img!(),
            "defaults { groups \"db\"; }\nnode \"db\"\nnode \"x\""
        ),
        &[(GroupConflict, 2, 19, "group `db` has the name of a node")],
    ),
    case(
        "wrong-type: a number",
        concat!(img!(), r#"node "a" { groups "web" 3; }"#),
        &[(
            WrongType,
            2,
            25,
            "`groups` expects a string, found an integer",
        )],
    ),
    case(
        "missing-argument: no group",
        concat!(img!(), r#"node "a" { groups; }"#),
        &[(MissingArgument, 2, 12, "`groups` needs at least one value")],
    ),
    case(
        "wrong-shape: a property on the child",
        concat!(img!(), r#"node "a" { groups "web" x="y"; }"#),
        &[(
            WrongShape,
            2,
            12,
            "`groups` takes its values as arguments only",
        )],
    ),
    case(
        "duplicate-setting: property and child",
        concat!(img!(), r#"node "a" groups="x" { groups "y"; }"#),
        &[(DuplicateSetting, 2, 23, "`groups` is set more than once")],
    ),
    case(
        "control-character",
        concat!(img!(), "node \"a\" { groups \"w\\u{7}\"; }"),
        &[(
            ControlCharacter,
            2,
            19,
            "contains the control character U+0007",
        )],
    ),
];

#[test]
fn bad_groups_are_reported_where_they_are_written() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| run_case(c.name, c.kdl, c.expect, c.help).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

fn resolve(kdl: &str) -> Lab {
    let source = LabSource::from_bytes(Path::new("lab.kdl"), kdl.as_bytes().to_vec())
        .expect("source accepted");
    vlab::check(&source).unwrap_or_else(|d| panic!("lab should resolve: {d:?}"))
}

#[test]
fn a_nodes_groups_add_to_the_defaults_and_count_gives_a_base_name() {
    let lab = resolve(&format!(
        "{IMG}defaults {{ groups \"lab\" \"linux\"; }}\n\
         node \"web-{{index}}\" count=2 {{ groups \"frontend\" \"lab\" \"pair_{{index}}\"; }}\n\
         node \"db\"\n\
         node \"r{{index:02}}\" count=1 groups=\"routers\"\n"
    ));
    let groups = |name: &str| lab.node(name).expect("node").groups.clone();
    assert_eq!(groups("web-1"), ["lab", "linux", "frontend", "pair_1"]);
    assert_eq!(groups("web-2"), ["lab", "linux", "frontend", "pair_2"]);
    assert_eq!(groups("db"), ["lab", "linux"]);
    assert_eq!(groups("r01"), ["lab", "linux", "routers"]);
    let base = |name: &str| lab.node(name).expect("node").count_group.clone();
    assert_eq!(base("web-2").as_deref(), Some("web"));
    assert_eq!(base("r01").as_deref(), Some("r"));
    assert_eq!(base("db"), None);
}

#[test]
fn groups_do_not_change_a_nodes_spec_digest() {
    let plain = resolve(&format!("{IMG}node \"web-{{index}}\" count=1\n"));
    let grouped = resolve(&format!(
        "{IMG}defaults {{ groups \"lab\"; }}\nnode \"web-{{index}}\" count=1 groups=\"frontend\"\n"
    ));
    let digest = |lab: &Lab| node_digest(&lab.nodes[0], lab.images.first(), (None, None), b"");
    assert_ne!(grouped.nodes[0].groups, plain.nodes[0].groups);
    assert_eq!(digest(&grouped), digest(&plain));
    let json = serde_json::to_string(&grouped.nodes[0]).expect("json");
    assert!(
        !json.contains("frontend") && !json.contains("count_group"),
        "{json}"
    );
}
