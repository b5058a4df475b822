//! `SeatHandout`: the instructor's handout of a lab with seats, as `vlab seats` prints it:
//! per seat, its nodes, their addresses (static ones from the lab; DHCP leases from the
//! hosts when they were read) and how to reach each (`vlab ssh -f LAB NODE`, the user), and
//! the shared nodes after the seats. As a table, CSV (one row per node) or JSON.
//!
//! Built from the lab and, when the hosts were read, each node's `NodeStatus`; reading them
//! is the command's business. Pure rendering otherwise.

use crate::lab::{Lab, Node};
use crate::pipeline::node_status::NodeStatus;
use serde::Serialize;

/// The formats `vlab seats` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HandoutFormat {
    /// Aligned columns, one line per node, seat by seat
    Table,
    /// One row per node with a header line, for a spreadsheet or a mail merge
    Csv,
    /// One JSON document: the seats with their nodes, then the shared nodes
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatHandout {
    pub lab: String,
    /// Whether the hosts were read: without, DHCP addresses are unknown and states absent.
    pub hosts_read: bool,
    pub seats: Vec<Seat>,
    pub shared: Vec<HandoutNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seat {
    pub seat: u32,
    pub nodes: Vec<HandoutNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoutNode {
    pub node: String,
    /// The domain's state; `None` when the hosts were not read.
    pub state: Option<String>,
    /// `eth1 10.10.3.10/24`; a DHCP interface without a known lease is `eth0 dhcp`.
    pub addresses: Vec<String>,
    pub user: String,
    /// The command that logs in.
    pub ssh: String,
}

impl SeatHandout {
    /// The handout of `nodes` (names, in the lab's order) of `lab`, read from the file
    /// `lab_file` as given on the command line; `statuses` when the hosts were read. `user`
    /// gives each node's login user.
    pub fn new(
        lab: &Lab,
        lab_file: &str,
        nodes: &[String],
        statuses: Option<&[NodeStatus]>,
        user: impl Fn(&Node) -> String,
    ) -> SeatHandout {
        let entry = |node: &Node| {
            let status = statuses.and_then(|s| s.iter().find(|s| s.node == node.name));
            HandoutNode {
                node: node.name.clone(),
                state: status.map(|s| s.state.clone()),
                addresses: addresses(node, status),
                user: user(node),
                ssh: format!("vlab ssh -f {lab_file} {}", node.name),
            }
        };
        let picked = |n: &&Node| nodes.contains(&n.name);
        let seats = (1..=lab.seats.unwrap_or(0))
            .map(|seat| Seat {
                seat,
                nodes: lab.seat_nodes(seat).filter(picked).map(entry).collect(),
            })
            .filter(|s| !s.nodes.is_empty())
            .collect();
        let shared = lab
            .nodes
            .iter()
            .filter(|n| n.seat.is_none())
            .filter(picked)
            .map(entry)
            .collect();
        SeatHandout {
            lab: lab.name.clone(),
            hosts_read: statuses.is_some(),
            seats,
            shared,
        }
    }

    pub fn render(&self, format: HandoutFormat) -> String {
        match format {
            HandoutFormat::Table => self.table(),
            HandoutFormat::Csv => self.csv(),
            HandoutFormat::Json => format!(
                "{}\n",
                serde_json::to_string_pretty(self).unwrap_or_default()
            ),
        }
    }

    /// Every node with its seat's label (`3`, or `shared`), seats first.
    fn rows(&self) -> impl Iterator<Item = (String, &HandoutNode)> {
        let seats = self
            .seats
            .iter()
            .flat_map(|s| s.nodes.iter().map(move |n| (s.seat.to_string(), n)));
        seats.chain(self.shared.iter().map(|n| ("shared".to_string(), n)))
    }

    fn table(&self) -> String {
        let mut text = format!(
            "{:<7} {:<20} {:<10} {:<44} {:<10} SSH\n",
            "SEAT", "NODE", "STATE", "ADDRESSES", "USER"
        );
        let mut last = None;
        for (seat, node) in self.rows() {
            // A blank line between seats, so a printed handout cuts apart.
            if last.is_some() && last.as_ref() != Some(&seat) {
                text.push('\n');
            }
            text.push_str(&format!(
                "{:<7} {:<20} {:<10} {:<44} {:<10} {}\n",
                seat,
                node.node,
                node.state.as_deref().unwrap_or("-"),
                node.addresses.join(", "),
                node.user,
                node.ssh
            ));
            last = Some(seat);
        }
        text
    }

    fn csv(&self) -> String {
        let mut text = String::from("seat,node,state,addresses,user,ssh\n");
        for (seat, node) in self.rows() {
            let fields = [
                seat.as_str(),
                &node.node,
                node.state.as_deref().unwrap_or(""),
                &node.addresses.join("; "),
                &node.user,
                &node.ssh,
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            text.push_str(&line.join(","));
            text.push('\n');
        }
        text
    }
}

/// Static addresses from the lab, else the interface's DHCP leases when known.
fn addresses(node: &Node, status: Option<&NodeStatus>) -> Vec<String> {
    node.interfaces
        .iter()
        .flat_map(|interface| {
            let known: Vec<String> = status
                .map(|s| {
                    s.addresses
                        .iter()
                        .filter(|a| a.interface == interface.name)
                        .map(|a| format!("{} {}", a.interface, a.address))
                        .collect()
                })
                .unwrap_or_default();
            if !known.is_empty() {
                return known;
            }
            match (interface.address, interface.prefix) {
                (Some(a), Some(p)) => vec![format!("{} {a}/{p}", interface.name)],
                (Some(a), None) => vec![format!("{} {a}", interface.name)],
                (None, _) => vec![format!("{} dhcp", interface.name)],
            }
        })
        .collect()
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::node_status::Address;

    fn lab() -> Lab {
        let text = "image \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\n\
                    network \"internet\" mode=\"nat\" cidr=\"10.9.0.0/24\"\n\
                    node \"teacher\" { interface network=\"internet\" address=\"10.9.0.5\"; }\n\
                    seats 2 {\n\
                      network \"lan-{seat}\" mode=\"isolated\" cidr=\"10.10.{seat}.0/24\"\n\
                      node \"pc-{seat}\" { interface network=\"internet\"; interface network=\"lan-{seat}\" address=\"10.10.{seat}.10\"; }\n\
                    }\n";
        let source = crate::language::lab_source::LabSource::from_bytes(
            std::path::Path::new("lab.kdl"),
            text.as_bytes().to_vec(),
        )
        .expect("source");
        crate::check(&source).expect("valid")
    }

    fn all(lab: &Lab) -> Vec<String> {
        lab.nodes.iter().map(|n| n.name.clone()).collect()
    }

    #[test]
    fn from_the_lab_alone_dhcp_addresses_are_unknown() {
        let lab = lab();
        let handout = SeatHandout::new(&lab, "c.kdl", &all(&lab), None, |_| "vlab".into());
        assert_eq!(handout.seats.len(), 2);
        let pc2 = &handout.seats[1].nodes[0];
        assert_eq!(pc2.addresses, ["eth0 dhcp", "eth1 10.10.2.10/24"]);
        assert_eq!(pc2.ssh, "vlab ssh -f c.kdl pc-2");
        assert_eq!(pc2.state, None);
        assert_eq!(handout.shared[0].node, "teacher");
        let csv = handout.render(HandoutFormat::Csv);
        assert_eq!(
            csv.lines().nth(2),
            Some("2,pc-2,,eth0 dhcp; eth1 10.10.2.10/24,vlab,vlab ssh -f c.kdl pc-2")
        );
        assert_eq!(
            csv.lines().nth(3).map(|l| l.starts_with("shared,teacher,")),
            Some(true)
        );
        let table = handout.render(HandoutFormat::Table);
        assert!(
            table.contains("\n\n2 "),
            "a blank line between seats:\n{table}"
        );
    }

    #[test]
    fn leases_fill_in_the_dhcp_addresses_and_a_selection_keeps_its_seats() {
        let lab = lab();
        let status = NodeStatus {
            node: "pc-1".into(),
            host: "local".into(),
            domain: "lab_pc-1".into(),
            state: "running".into(),
            pending: None,
            readiness: None,
            addresses: vec![Address {
                interface: "eth0".into(),
                mac: "52:54:00:00:00:01".into(),
                address: "10.9.0.130/24".into(),
                source: "dhcp",
            }],
        };
        let handout = SeatHandout::new(
            &lab,
            "c.kdl",
            &["pc-1".to_string()],
            Some(&[status]),
            |_| "student".into(),
        );
        assert_eq!(handout.seats.len(), 1);
        assert!(handout.shared.is_empty());
        let pc1 = &handout.seats[0].nodes[0];
        assert_eq!(pc1.addresses, ["eth0 10.9.0.130/24", "eth1 10.10.1.10/24"]);
        assert_eq!(pc1.state.as_deref(), Some("running"));
        assert_eq!(pc1.user, "student");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
