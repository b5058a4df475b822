//! `seats` in the language: table cases of every seat mistake (code, line, column, message),
//! and the resolved model of a lab with seats (names, addresses and vars per seat, `count`
//! inside a seat, the order that makes a larger seat count a longer list, MACs and bridges
//! unique and stable per seat, spec digests of shared nodes untouched by seats).

use std::path::Path;
use vlab::host::resource_names;
use vlab::lab::{Attachment, Lab};
use vlab::language::lab_source::LabSource;

use crate::support::diagnostic_cases::{Case, case, run_case};
use vlab::language::diagnostic_code::DiagnosticCode::*;

/// Line 1 of every case: the lab's only image.
macro_rules! img {
    () => {
        "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n"
    };
}

const CASES: &[Case] = &[
    case(
        "missing-seat-placeholder: node",
        concat!(img!(), "seats 2 {\n    node \"pc\"\n}"),
        &[(MissingSeatPlaceholder, 3, 10, "node `pc` is inside `seats` but its name has no `{seat}`")],
    )
    .help(&["write `pc-{seat}`, or move the node out of `seats`"]),
    case(
        "missing-seat-placeholder: counted node",
        concat!(img!(), "seats 2 {\n    node \"pc-{index}\" count=2\n}"),
        &[(MissingSeatPlaceholder, 3, 10, "node `pc-{index}` is inside `seats`")],
    )
    .help(&["write `pc-{seat}-{index}`"]),
    case(
        "missing-seat-placeholder: network",
        concat!(img!(), "seats 2 {\n    network \"lan\" mode=\"isolated\"\n}"),
        &[(MissingSeatPlaceholder, 3, 13, "network `lan` is inside `seats`")],
    ),
    case(
        "missing-seat-placeholder: link endpoint",
        concat!(img!(), "node \"t\"\nseats 2 {\n    node \"pc-{seat}\"\n    link \"pc-{seat}:eth1\" \"t:eth1\"\n}"),
        &[(MissingSeatPlaceholder, 5, 27, "link endpoint `t:eth1` is inside `seats`")],
    )
    .help(&["through a shared network"]),
    case(
        "missing-argument: seats without a number",
        concat!(img!(), "seats {\n}"),
        &[(MissingArgument, 2, 1, "`seats` needs the number of seats")],
    ),
    case(
        "wrong-type: seats with a string",
        concat!(img!(), "seats \"3\""),
        &[(WrongType, 2, 7, "the number of seats must be an integer")],
    ),
    case(
        "invalid-value: too many seats",
        concat!(img!(), "seats 1001"),
        &[(InvalidValue, 2, 7, "between 0 and 1000")],
    ),
    case(
        "unknown-setting: an image inside seats",
        concat!(img!(), "seats 1 {\n    image \"x\"\n}"),
        &[(UnknownSetting, 3, 5, "unknown setting `image` in `seats`")],
    ),
    case(
        "duplicate-block: seats",
        concat!(img!(), "seats 1\nseats 2"),
        &[(DuplicateBlock, 3, 1, "`seats` may appear only once")],
    ),
    case(
        "invalid-placeholder: seat outside seats",
        concat!(img!(), "node \"pc-{seat}\""),
        &[(InvalidPlaceholder, 2, 6, "`{seat}` is only allowed inside a `seats` block")],
    )
    .help(&["declare the resource inside `seats N { ... }`"]),
    case(
        "invalid-placeholder: malformed seat",
        concat!(img!(), "seats 1 {\n    node \"pc-{seat*2}\"\n}"),
        &[(InvalidPlaceholder, 3, 10, "`{seat*2}` is not a placeholder")],
    ),
    case(
        "seat-crossing: another seat's network, reported once",
        concat!(
            img!(),
            "seats 3 {\n    network \"lan-{seat}\" mode=\"isolated\"\n",
            "    node \"pc-{seat}\" {\n        interface network=\"lan-2\"\n    }\n}"
        ),
        &[(SeatCrossing, 5, 27, "node `pc-1` of seat 1 is attached to network `lan-2` of seat 2")],
    )
    .help(&["seats are isolated from each other"]),
    case(
        "seat-crossing: a shared node on a seat's network",
        concat!(
            img!(),
            "node \"t\" {\n    interface network=\"lan-1\"\n}\n",
            "seats 1 {\n    network \"lan-{seat}\" mode=\"isolated\"\n}"
        ),
        &[(SeatCrossing, 3, 23, "shared node `t` is attached to network `lan-1` of seat 1")],
    ),
    case(
        "seat-crossing: a shared link to a seat's node",
        concat!(
            img!(),
            "node \"t\"\nlink \"t:eth1\" \"pc-1:eth1\"\nseats 1 {\n    node \"pc-{seat}\"\n}"
        ),
        &[(SeatCrossing, 3, 15, "a shared link ends at node `pc-1`, which is of seat 1")],
    ),
    case(
        "seat-crossing: a seat's link to the next seat",
        concat!(
            img!(),
            "seats 2 {\n    node \"pc-{seat}\"\n    node \"db-{seat}\"\n",
            "    link \"pc-{seat}:eth1\" \"db-{seat-1}:eth1\"\n}"
        ),
        &[
            (UnknownReference, 5, 27, "unknown node `db-0`"),
            (SeatCrossing, 5, 27, "a link of seat 2 ends at node `db-1`, which is of seat 1"),
        ],
    ),
];

#[test]
fn seat_cases() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| run_case(c.name, c.kdl, c.expect, c.help).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} seat cases failed:\n\n{}",
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

fn classroom(seats: u32) -> String {
    format!(
        concat!(
            img!(),
            "network \"internet\" mode=\"nat\" cidr=\"10.9.0.0/24\"\n",
            "node \"teacher\" {{\n    interface network=\"internet\" address=\"10.9.0.5\"\n}}\n",
            "seats {} {{\n",
            "    network \"lan-{{seat}}\" mode=\"isolated\" cidr=\"10.10.{{seat}}.0/24\"\n",
            "    node \"pc-{{seat}}\" {{\n",
            "        interface network=\"internet\"\n",
            "        interface network=\"lan-{{seat}}\" address=\"10.10.{{seat}}.10\"\n",
            "        cloud-init {{ vars {{ seat \"{{seat}}\"; label \"Seat {{seat:02}}\" }} }}\n",
            "    }}\n",
            "    node \"srv-{{seat}}-{{index}}\" count=2 {{\n",
            "        interface network=\"lan-{{seat}}\" address=\"10.10.{{seat}}.{{index+20}}\"\n",
            "    }}\n",
            "    link \"pc-{{seat}}:eth5\" \"srv-{{seat}}-1:eth5\"\n",
            "}}\n",
        ),
        seats
    )
}

#[test]
fn seats_expand_names_addresses_vars_and_counts() {
    let lab = resolve(&classroom(3));
    assert_eq!(lab.seats, Some(3));
    let names: Vec<(&str, Option<u32>, Option<u32>)> = lab
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.seat, n.index))
        .collect();
    assert_eq!(
        names,
        [
            ("teacher", None, None),
            ("pc-1", Some(1), None),
            ("srv-1-1", Some(1), Some(1)),
            ("srv-1-2", Some(1), Some(2)),
            ("pc-2", Some(2), None),
            ("srv-2-1", Some(2), Some(1)),
            ("srv-2-2", Some(2), Some(2)),
            ("pc-3", Some(3), None),
            ("srv-3-1", Some(3), Some(1)),
            ("srv-3-2", Some(3), Some(2)),
        ]
    );
    let pc2 = lab.node("pc-2").expect("pc-2");
    assert_eq!(
        pc2.interfaces[1].attachment,
        Attachment::Network("lan-2".into())
    );
    assert_eq!(
        pc2.interfaces[1].address,
        Some("10.10.2.10".parse().unwrap())
    );
    assert_eq!(pc2.cloud_init.vars["seat"].value, serde_json::json!("2"));
    assert_eq!(
        pc2.cloud_init.vars["label"].value,
        serde_json::json!("Seat 02")
    );
    assert_eq!(
        lab.node("srv-3-2").unwrap().interfaces[0].address,
        Some("10.10.3.22".parse().unwrap())
    );
    assert_eq!(
        lab.node("srv-3-2").unwrap().count_group.as_deref(),
        Some("srv-3")
    );
    let networks: Vec<(&str, Option<u32>)> = lab
        .networks
        .iter()
        .map(|n| (n.name.as_str(), n.seat))
        .collect();
    assert_eq!(
        networks,
        [
            ("internet", None),
            ("lan-1", Some(1)),
            ("lan-2", Some(2)),
            ("lan-3", Some(3))
        ]
    );
    let links: Vec<(&str, Option<u32>)> = lab
        .links
        .iter()
        .map(|l| (l.name.as_str(), l.seat))
        .collect();
    assert_eq!(links[2], ("pc-3:eth5--srv-3-1:eth5", Some(3)));
}

#[test]
fn more_seats_only_append_and_keep_every_name_and_mac() {
    let three = resolve(&classroom(3));
    let four = resolve(&classroom(4));
    let macs = |lab: &Lab| -> Vec<(String, String)> {
        lab.nodes
            .iter()
            .flat_map(|n| {
                n.interfaces
                    .iter()
                    .map(move |i| (n.name.clone(), i.mac.to_string()))
            })
            .collect()
    };
    let (m3, m4) = (macs(&three), macs(&four));
    assert_eq!(m4[..m3.len()], m3[..], "seat 4 only appends");
    let mut all: Vec<&String> = m4.iter().map(|(_, m)| m).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), m4.len(), "MACs are unique across seats");
    let bridges: Vec<String> = four
        .networks
        .iter()
        .map(|n| resource_names::bridge(&four.name, &n.name))
        .collect();
    assert!(bridges.iter().all(|b| b.len() <= 15));
    let mut unique = bridges.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), bridges.len());
    let domains: Vec<String> = four
        .nodes
        .iter()
        .map(|n| resource_names::domain(&four.name, &n.name))
        .collect();
    assert!(domains.contains(&"lab_pc-4".to_string()));
}

#[test]
fn seat_zero_declares_only_the_shared_part() {
    let lab = resolve(&classroom(0));
    assert_eq!(lab.seats, Some(0));
    assert_eq!(lab.nodes.len(), 1);
    assert_eq!(lab.networks.len(), 1);
}

#[test]
fn a_shared_node_serializes_as_without_seats() {
    // The spec digest is the serialized node: a node outside `seats` has no `seat` field.
    let with = resolve(&classroom(2));
    let without = resolve(concat!(
        img!(),
        "network \"internet\" mode=\"nat\" cidr=\"10.9.0.0/24\"\n",
        "node \"teacher\" {\n    interface network=\"internet\" address=\"10.9.0.5\"\n}\n",
    ));
    let json = |lab: &Lab| serde_json::to_value(lab.node("teacher").unwrap()).unwrap();
    assert_eq!(json(&with), json(&without));
    assert!(json(&with).get("seat").is_none());
    let pc = serde_json::to_value(with.node("pc-1").unwrap()).unwrap();
    assert_eq!(pc["seat"], 1);
}
