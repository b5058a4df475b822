//! Table-driven tests of the loader: one case per kind of syntax, structure and type error.
//!
//! Each case is a small lab text and the full list of diagnostics it must produce, as
//! (code, line, column, message substring). Lines and columns are 1-based; columns count
//! characters. Extra or missing diagnostics fail the case. All cases run in one test that
//! reports every failing case at once.

use crate::support::diagnostic_cases::{Case, case, run_case};
use vlab::language::diagnostic_code::DiagnosticCode::*;

const CASES: &[Case] = &[
    // ---- syntax -------------------------------------------------------------------------
    case(
        "syntax: unclosed block",
        r#"node "a" {"#,
        &[(Syntax, 1, 10, "No closing '}'")],
    ),
    case(
        "syntax: unquoted size",
        r#"node "a" { memory 1GiB; }"#,
        &[(Syntax, 1, 19, "Expected integer")],
    ),
    case(
        "syntax: stray closing brace",
        r#"node "a" {
    cpus 2
}}"#,
        &[(Syntax, 3, 2, "Expected end of document")],
    ),
    // ---- top-level nodes ----------------------------------------------------------------
    case(
        "unknown-node: near miss",
        r#"nodes "a""#,
        &[(UnknownNode, 1, 1, "unknown node `nodes`")],
    )
    .help(&["did you mean `node`?"]),
    case(
        "unknown-node: far from everything",
        r#"frobnicate "a""#,
        &[(UnknownNode, 1, 1, "unknown node `frobnicate`")],
    )
    .help(&["a lab file holds only `lab`, `defaults`"]),
    case(
        "unknown-node: vars at top level",
        r#"lab "x"
vars { a "1"; }"#,
        &[(UnknownNode, 2, 1, "unknown node `vars`")],
    ),
    case(
        "duplicate-block: two labs",
        r#"lab "x"
lab "y""#,
        &[(DuplicateBlock, 2, 1, "`lab` may appear only once")],
    )
    .help(&["merge the two `lab` blocks"]),
    case(
        "duplicate-block: two defaults",
        r#"defaults cpus=1
defaults { memory "1GiB"; }"#,
        &[(DuplicateBlock, 2, 1, "`defaults` may appear only once")],
    ),
    // ---- settings -----------------------------------------------------------------------
    case(
        "unknown-setting: property near miss",
        r#"node "a" memry="1GiB""#,
        &[(UnknownSetting, 1, 10, "unknown setting `memry` in `node`")],
    )
    .help(&["did you mean `memory`?"]),
    case(
        "unknown-setting: child near miss",
        r#"node "a" {
    cpus 1
    memroy "1GiB"
}"#,
        &[(UnknownSetting, 3, 5, "unknown setting `memroy` in `node`")],
    )
    .help(&["did you mean `memory`?"]),
    case(
        "unknown-setting: interface property",
        r#"node "a" { interface "eth0" netwrk="lan"; }"#,
        &[(
            UnknownSetting,
            1,
            29,
            "unknown setting `netwrk` in `interface`",
        )],
    )
    .help(&["did you mean `network`?"]),
    case(
        "unknown-setting: no near miss lists the settings",
        r#"node "a" { zzzzzz 1; }"#,
        &[(UnknownSetting, 1, 12, "unknown setting `zzzzzz` in `node`")],
    )
    .help(&["`node` accepts: cloud-init, count, cpus"]),
    case(
        "unknown-setting: count in defaults",
        r#"defaults count=2"#,
        &[(
            UnknownSetting,
            1,
            10,
            "unknown setting `count` in `defaults`",
        )],
    ),
    case(
        "unknown-setting: cloud-init child",
        r#"node "a" { cloud-init { userdata "u.yaml"; }; }"#,
        &[(
            UnknownSetting,
            1,
            25,
            "unknown setting `userdata` in `cloud-init`",
        )],
    )
    .help(&["did you mean `user-data`?"]),
    case(
        "duplicate-setting: property and child",
        r#"node "a" cpus=2 { cpus 3; }"#,
        &[(DuplicateSetting, 1, 19, "`cpus` is set more than once")],
    ),
    case(
        "duplicate-setting: two properties",
        r#"network "n" mode="nat" mode="isolated""#,
        &[(DuplicateSetting, 1, 24, "`mode` is set more than once")],
    ),
    case(
        "duplicate-setting: repeated block",
        r#"image "i" {
    kernel "https://x.test/k1"
    kernel "https://x.test/k2"
}"#,
        &[(DuplicateSetting, 3, 5, "`kernel` is set more than once")],
    ),
    // ---- types --------------------------------------------------------------------------
    case(
        "wrong-type: string for integer",
        r#"node "a" cpus="2""#,
        &[(
            WrongType,
            1,
            15,
            "`cpus` expects an integer, found a string",
        )],
    )
    .help(&["for example `cpus 2`"]),
    case(
        "wrong-type: string for integer, child form",
        r#"node "a" {
    cpus "2"
}"#,
        &[(
            WrongType,
            2,
            10,
            "`cpus` expects an integer, found a string",
        )],
    ),
    case(
        "wrong-type: float for integer",
        r#"node "a" cpus=2.5"#,
        &[(
            WrongType,
            1,
            15,
            "`cpus` expects an integer, found a number",
        )],
    ),
    case(
        "wrong-type: integer for string",
        r#"node "a" image=3"#,
        &[(
            WrongType,
            1,
            16,
            "`image` expects a string, found an integer",
        )],
    ),
    case(
        "wrong-type: integer size",
        r#"node "a" { memory 1024; }"#,
        &[(
            WrongType,
            1,
            19,
            "`memory` expects a string, found an integer",
        )],
    ),
    case(
        "wrong-type: string for unverified",
        r#"image "i" { unverified "yes"; }"#,
        &[(
            WrongType,
            1,
            24,
            "`unverified` expects a boolean, found a string",
        )],
    )
    .help(&["for example `unverified #true`"]),
    case(
        "wrong-type: integer for unverified",
        r#"image "i" unverified=1"#,
        &[(
            WrongType,
            1,
            22,
            "`unverified` expects a boolean, found an integer",
        )],
    ),
    case(
        "wrong-type: null for uri",
        r#"host "h" uri=#null"#,
        &[(WrongType, 1, 14, "`uri` expects a string, found #null")],
    ),
    case(
        "wrong-type: dhcp word",
        r#"network "n" { dhcp "off"; }"#,
        &[(WrongType, 1, 20, "`dhcp` expects a boolean, found a string")],
    ),
    case(
        "wrong-type: secret flag",
        r#"lab "x" { vars { t "v" secret="yes"; }; }"#,
        &[(
            WrongType,
            1,
            31,
            "`secret` expects a boolean, found a string",
        )],
    ),
    case(
        "wrong-shape: two values",
        r#"node "a" { cpus 2 3; }"#,
        &[(WrongShape, 1, 12, "`cpus` takes exactly one value")],
    )
    .help(&["write `cpus <value>` or `cpus=<value>` on the parent"]),
    case(
        "wrong-shape: no value",
        r#"node "a" { image; }"#,
        &[(WrongShape, 1, 12, "`image` takes exactly one value")],
    ),
    case(
        "wrong-shape: scalar with a block",
        r#"network "n" { mode "nat" { x; }; }"#,
        &[(WrongShape, 1, 15, "`mode` takes exactly one value")],
    ),
    case(
        "wrong-shape: property instead of value",
        r#"node "a" { cpus value=2; }"#,
        &[(WrongShape, 1, 12, "`cpus` takes exactly one value")],
    ),
    // ---- values -------------------------------------------------------------------------
    case(
        "invalid-value: mode",
        r#"network "n" mode="nta""#,
        &[(InvalidValue, 1, 18, "`nta` is not a valid `mode`")],
    )
    .help(&["did you mean `nat`?"]),
    case(
        "invalid-value: mode, child form",
        r#"network "n" {
    mode "bridged"
}"#,
        &[(InvalidValue, 2, 10, "`bridged` is not a valid `mode`")],
    )
    .help(&["did you mean `bridge`?"]),
    case(
        "invalid-value: accel",
        r#"host "h" uri="qemu:///system" accel="kmv""#,
        &[(InvalidValue, 1, 37, "`kmv` is not a valid `accel`")],
    )
    .help(&["did you mean `kvm`?"]),
    case(
        "invalid-value: image format",
        r#"image "i" format="qcow""#,
        &[(InvalidValue, 1, 18, "`qcow` is not a valid `format`")],
    )
    .help(&["did you mean `qcow2`?"]),
    case(
        "invalid-value: disk format",
        r#"node "a" { disk "d" size="1GiB" format="qcow3"; }"#,
        &[(InvalidValue, 1, 40, "`qcow3` is not a valid `format`")],
    )
    .help(&["did you mean `qcow2`?"]),
    case(
        "invalid-value: xen-boot",
        r#"node "a" xen-boot="pvhh""#,
        &[(InvalidValue, 1, 19, "`pvhh` is not a valid `xen-boot`")],
    )
    .help(&["did you mean `pvh`?"]),
    case(
        "invalid-value: hypervisor, no near miss",
        r#"host "h" uri="test:///default" hypervisor="vmware""#,
        &[(InvalidValue, 1, 43, "`vmware` is not a valid `hypervisor`")],
    )
    .help(&["use one of `kvm`, `xen`"]),
    case(
        "missing-argument: allow-uri-params without names",
        r#"host "h" uri="qemu:///system" { allow-uri-params; }"#,
        &[(
            MissingArgument,
            1,
            33,
            "`allow-uri-params` needs the names of the URI parameters it allows",
        )],
    ),
    case(
        "wrong-type: allow-uri-params takes strings only",
        r#"host "h" uri="qemu:///system" { allow-uri-params "socket" 1 x=2; }"#,
        &[
            (WrongType, 1, 59, "must be a string, found an integer"),
            (
                UnknownSetting,
                1,
                61,
                "unknown setting `x` in `allow-uri-params`",
            ),
        ],
    ),
    case(
        "invalid-value: count 0",
        r#"node "a" count=0"#,
        &[(InvalidValue, 1, 16, "count must be between 1 and")],
    )
    .help(&["remove `count` for a single instance"]),
    case(
        "invalid-value: negative network count",
        r#"network "n-{index}" count=-1"#,
        &[(InvalidValue, 1, 27, "count must be between 1 and")],
    ),
    // ---- arguments ----------------------------------------------------------------------
    case(
        "missing-argument: node without name",
        r#"node cpus=1"#,
        &[(MissingArgument, 1, 1, "`node` needs a name")],
    ),
    case(
        "missing-argument: host without name",
        r#"host uri="qemu:///system""#,
        &[(MissingArgument, 1, 1, "`host` needs a name")],
    ),
    case(
        "missing-argument: disk without name",
        r#"node "a" { disk size="1GiB"; }"#,
        &[(MissingArgument, 1, 12, "`disk` needs a name")],
    ),
    case(
        "missing-argument: kernel without URL",
        r#"image "i" { kernel checksum="sha256:00"; }"#,
        &[(MissingArgument, 1, 13, "`kernel` needs a URL")],
    ),
    case(
        "missing-argument: link with one endpoint",
        r#"link "r1:eth1""#,
        &[(MissingArgument, 1, 1, "`link` needs a second endpoint")],
    ),
    case(
        "missing-argument: variable without value",
        r#"node "a" { cloud-init { vars { role; }; }; }"#,
        &[(MissingArgument, 1, 32, "variable `role` has no value")],
    ),
    case(
        "unexpected-argument: second node name",
        r#"node "a" "b""#,
        &[(UnexpectedArgument, 1, 10, "unexpected argument to `node`")],
    )
    .help(&["settings are written `name=value` or as child nodes"]),
    case(
        "unexpected-argument: defaults takes no name",
        r#"defaults "x""#,
        &[(
            UnexpectedArgument,
            1,
            10,
            "unexpected argument to `defaults`",
        )],
    ),
    case(
        "unexpected-argument: third link endpoint",
        r#"link "a:e" "b:e" "c:e""#,
        &[(UnexpectedArgument, 1, 18, "unexpected argument to `link`")],
    ),
    case(
        "unexpected-argument: vars block",
        r#"lab "x" { vars "v" { a "1"; }; }"#,
        &[(UnexpectedArgument, 1, 16, "unexpected argument to `vars`")],
    )
    .help(&["`vars` takes no further arguments"]),
    case(
        "duplicate-name: variable set twice",
        r#"lab "x" { vars { a "1"; a "2"; }; }"#,
        &[(DuplicateName, 1, 25, "variable `a` is set twice")],
    ),
    // ---- several problems at once, reported in file order --------------------------------
    case(
        "several problems, sorted by position",
        r#"node "a" cpus="2"
node "b" { cpus 2 3; }
foo
network "n" mode="nta""#,
        &[
            (WrongType, 1, 15, "`cpus` expects an integer"),
            (WrongShape, 2, 12, "`cpus` takes exactly one value"),
            (UnknownNode, 3, 1, "unknown node `foo`"),
            (InvalidValue, 4, 18, "`nta` is not a valid `mode`"),
        ],
    ),
    case(
        "loader errors keep the resolver from running",
        r#"node "a" image="missing" cpus="2""#,
        &[(WrongType, 1, 31, "`cpus` expects an integer")],
    ),
    case(
        "wrong-type: a node name that is not a string",
        "node 1",
        &[(
            WrongType,
            1,
            6,
            "the name of `node` must be a string, found an integer",
        )],
    ),
    case(
        "wrong-type: a link endpoint that is not a string; the valid one is fine",
        r#"link 1 "b:e""#,
        &[(
            WrongType,
            1,
            6,
            "the first endpoint of `link` must be a string",
        )],
    ),
    case(
        "missing-argument: a link with one endpoint shows a full example",
        r#"link "a:e""#,
        &[(MissingArgument, 1, 1, "`link` needs a second endpoint")],
    )
    .help(&[r#"write `link "r1:eth1" "r2:eth1"`"#]),
    // ---- control characters -------------------------------------------------------------
    case(
        "control-character: an escape in a kernel command line",
        r#"image "i" cmdline="console=ttyS0\u{1}""#,
        &[(
            ControlCharacter,
            1,
            19,
            "`cmdline` contains the control character U+0001",
        )],
    )
    .help(&["remove it; control characters are invalid in libvirt XML"]),
    case(
        "control-character: a line break in a Xen path",
        r#"host "x" uri="xen:///system" {
    hvmloader "/usr/lib/xen\n/hvmloader"
}"#,
        &[(
            ControlCharacter,
            2,
            15,
            "`hvmloader` contains the control character U+000A",
        )],
    )
    .help(&["write the value on one line"]),
    case(
        "control-character: DEL in a node name, C1 in an ssh key, U+FFFF in a marker",
        r#"node "a\u{7f}"
lab { ssh-key "ssh-ed25519 AAAA\u{9b}"; }
image "i" { ready "console" marker="up\u{ffff}"; }"#,
        &[
            (
                ControlCharacter,
                1,
                6,
                "the name of `node` contains the control character U+007F",
            ),
            (
                ControlCharacter,
                2,
                15,
                "the public key of `ssh-key` contains the control character U+009B",
            ),
            (
                ControlCharacter,
                3,
                36,
                "`marker` contains the control character U+FFFF",
            ),
        ],
    ),
    case(
        "control-character: a description may span lines, nothing more",
        r#"lab "x" {
    description "two\n\tlines"
}
lab "y" { description "bell\u{7}"; }"#,
        &[
            (DuplicateBlock, 4, 1, "`lab` may appear only once"),
            (
                ControlCharacter,
                4,
                23,
                "`description` contains the control character U+0007",
            ),
        ],
    )
    .help(&[
        "merge the two `lab` blocks",
        "free text may hold tabs and line breaks",
    ]),
    case(
        "a lab without a name takes the file's",
        r#"lab { description "named after the file" }"#,
        &[],
    ),
    // ---- test blocks ------------------------------------------------------------------
    case(
        "unknown-node: near miss of test",
        r#"tests "a""#,
        &[(UnknownNode, 1, 1, "unknown node `tests`")],
    )
    .help(&["did you mean `test`?"]),
    case(
        "missing-argument: test without a name",
        r#"test { command "true"; }"#,
        &[(MissingArgument, 1, 1, "`test` needs a name")],
    )
    .help(&["write `test \"web-up\""]),
    case(
        "unknown-setting: test near miss",
        r#"test "a" { node "x"; comand "true"; }"#,
        &[(UnknownSetting, 1, 22, "unknown setting `comand` in `test`")],
    )
    .help(&["did you mean `command`?"]),
    case(
        "wrong-type: test retries as a string",
        r#"test "a" retries="3""#,
        &[(WrongType, 1, 18, "`retries` expects an integer")],
    ),
    case(
        "wrong-type: test port as a string",
        r#"test "a" { port to="db" port="22"; }"#,
        &[(WrongType, 1, 30, "`port` expects an integer")],
    ),
    case(
        "unknown-setting: a port on reach",
        r#"test "a" { reach from="x" to="y" port=22; }"#,
        &[(UnknownSetting, 1, 34, "unknown setting `port` in `reach`")],
    ),
    case(
        "duplicate-setting: two built-ins of one kind",
        r#"test "a" {
    port to="db" port=1
    port to="db" port=2
}"#,
        &[(DuplicateSetting, 3, 5, "`port` is set more than once")],
    ),
    case(
        "missing-seat-placeholder: test inside seats",
        r#"seats 2 {
    node "pc-{seat}"
    test "up" { node "pc-{seat}"; command "true"; }
}"#,
        &[(
            MissingSeatPlaceholder,
            3,
            10,
            "test `up` is inside `seats` but its name has no `{seat}`",
        )],
    )
    .help(&["write `up-{seat}`, or move the test out of `seats`"]),
];

#[test]
fn loader_cases() {
    let mut failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| run_case(c.name, c.kdl, c.expect, c.help).err())
        .collect();

    // Nesting deeper than 64 levels is refused before parsing.
    let depth = 64;
    let ok = format!(r#"node "a" {}{}"#, "{ x ".repeat(depth), "}".repeat(depth));
    if let Err(e) = run_case(
        "too-deep: at the limit",
        &ok,
        &[(UnknownSetting, 1, 12, "unknown setting `x` in `node`")],
        &[],
    ) {
        failures.push(e);
    }
    let deep = format!(
        r#"node "a" {}{}"#,
        "{ x ".repeat(depth + 1),
        "}".repeat(depth + 1)
    );
    // The first brace is at column 10; each level adds four characters.
    let column = 10 + 4 * depth;
    if let Err(e) = run_case(
        "too-deep: one past the limit",
        &deep,
        &[(
            TooDeep,
            1,
            column,
            "blocks are nested more than 64 levels deep",
        )],
        &["check for unbalanced braces"],
    ) {
        failures.push(e);
    }
    let unbalanced = format!("node \"a\" {{\n{}", "x {\n".repeat(100));
    if let Err(e) = run_case(
        "too-deep: unbalanced braces",
        &unbalanced,
        &[(TooDeep, 65, 3, "nested more than 64 levels")],
        &[],
    ) {
        failures.push(e);
    }

    assert!(
        failures.is_empty(),
        "{} of {} loader cases failed:\n\n{}",
        failures.len(),
        CASES.len() + 3,
        failures.join("\n\n")
    );
}
