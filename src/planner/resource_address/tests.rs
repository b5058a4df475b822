//! Addresses as people type them: full, without the host, by the lab's own names, of what
//! only a host holds; and the errors for the rest.

use super::{AddressBook, AddressError};
use crate::planner::tests::{converged, desired};

fn resolved(book: &AddressBook, given: &str) -> Vec<String> {
    book.resolve(given)
        .expect("resolves")
        .iter()
        .map(|e| e.address.to_string())
        .collect()
}

#[test]
fn full_and_short_addresses_name_the_same_resource() {
    let book = AddressBook::new(&desired(), &converged());
    for given in ["node.lab_a@local", "node.lab_a", "node.a", "node.a@local"] {
        assert_eq!(resolved(&book, given), ["node.lab_a@local"], "{given}");
    }
    assert_eq!(
        resolved(&book, "network.lan"),
        ["network.vlab_lab_lan@local"]
    );
    assert_eq!(
        resolved(&book, "network.vlab_lab_lan@local"),
        ["network.vlab_lab_lan@local"]
    );
    assert_eq!(resolved(&book, "image.debian"), ["image.debian@local"]);
    assert_eq!(resolved(&book, "pool.vlab"), ["pool.vlab@local"]);
    assert_eq!(
        resolved(&book, "volume.vlab_lab_a_root.qcow2"),
        ["volume.vlab_lab_a_root.qcow2@local"]
    );
}

#[test]
fn what_only_a_host_holds_can_be_named_and_is_not_declared() {
    let mut observed = converged();
    let host = &mut observed.hosts[0];
    let mut old = host.domains[0].clone();
    old.name = "lab_old".into();
    old.node = "old".into();
    host.domains.push(old);
    host.volumes.insert("vlab_lab_old_root.qcow2".into());
    let book = AddressBook::new(&desired(), &observed);
    let found = book.resolve("node.old").expect("resolves");
    assert_eq!(found[0].address.to_string(), "node.lab_old@local");
    assert!(!found[0].declared);
    assert!(book.resolve("node.a").expect("resolves")[0].declared);
    assert_eq!(
        resolved(&book, "volume.vlab_lab_old_root.qcow2"),
        ["volume.vlab_lab_old_root.qcow2@local"]
    );
}

#[test]
fn an_unknown_address_says_what_was_meant_and_a_malformed_one_how_to_write_it() {
    let book = AddressBook::new(&desired(), &converged());
    let Err(AddressError::Unknown { help, .. }) = book.resolve("node.lab_b") else {
        panic!("unknown expected");
    };
    assert_eq!(help, "did you mean `node.lab_a`?");
    let Err(AddressError::Unknown { help, .. }) = book.resolve("node.b") else {
        panic!("unknown expected");
    };
    assert_eq!(help, "declared nodes: `a`, `lab_a`");
    let Err(AddressError::Unknown { help, .. }) = book.resolve("node.a@elsewhere") else {
        panic!("unknown expected");
    };
    assert_eq!(
        help,
        "`node.a` is on host `local`, not `elsewhere`: did you mean `node.lab_a@local`?"
    );
    let Err(AddressError::Unknown { help, .. }) = book.resolve("network.zzz") else {
        panic!("unknown expected");
    };
    assert_eq!(help, "declared networks: `lan`, `vlab_lab_lan`");
    for given in ["web-1", "thing.a", "node.", "node.a@", ""] {
        let error = book.resolve(given).expect_err(given);
        assert!(
            matches!(error, AddressError::Malformed { .. }),
            "{given}: {error:?}"
        );
        assert!(error.hint().contains("KIND.NAME[@HOST]"));
    }
}
