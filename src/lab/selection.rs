//! `Selection`: the part of a lab a command is asked to act on (`--seat 3`, `--seat 2..4`,
//! `--seat 1,4`, `--node NAME|GLOB`), and `Selected`, that selection checked against a
//! lab: its node names and the seats it holds whole.
//!
//! A node is selected when its seat is one of the seats or its name matches one of the
//! patterns (globs as `vlab exec` takes them: `access::node_selector`). A seat is held
//! whole when every node of it is selected: only then are the seat's own networks and links
//! in the selection too. Pure: what the selection means for a plan is `planner::scope`'s.

use crate::access::node_selector::glob_match;
use crate::lab::Lab;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What the person asked for; empty means the whole lab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Seat numbers, ascending, each once.
    pub seats: Vec<u32>,
    /// Node names or globs, as given.
    pub nodes: Vec<String>,
}

/// A selection checked against a lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The selected nodes' names, in the lab's order.
    pub nodes: Vec<String>,
    /// The seats every node of which is selected.
    pub whole_seats: BTreeSet<u32>,
    /// How many of the lab's nodes are outside the selection.
    pub outside: usize,
}

/// Why a selection does not fit the lab: a user error (exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// `--seat` on a lab without a `seats` block.
    #[error("lab `{lab}` has no seats")]
    NoSeats { lab: String },
    #[error("lab `{lab}` has no seat {seat} (it has {count} seats)")]
    NoSuchSeat { lab: String, seat: u32, count: u32 },
    #[error("no node of lab `{lab}` matches `{pattern}`")]
    NoMatch { lab: String, pattern: String },
    #[error("`{text}` is not a seat, a range of seats or a list of them")]
    BadSeats { text: String },
}

impl SelectionError {
    pub fn hint(&self) -> String {
        match self {
            SelectionError::NoSeats { .. } => {
                "`--seat` selects the seats of a `seats N { ... }` block; select nodes with `--node`"
                    .into()
            }
            SelectionError::NoSuchSeat { count, .. } if *count == 0 => {
                "the lab's `seats` block declares no seat (`seats 0`)".into()
            }
            SelectionError::NoSuchSeat { count, .. } => format!("seats are numbered 1 to {count}"),
            SelectionError::NoMatch { .. } => {
                "`--node` takes node names and globs such as `pc-*`; `vlab status` lists the nodes"
                    .into()
            }
            SelectionError::BadSeats { .. } => {
                "write a seat (`3`), a range (`3..5`) or a list (`1,4,7..9`)".into()
            }
        }
    }
}

impl Selection {
    /// From the flags: each `--seat` value (`3`, `3..5`, `1,4`) and each `--node` pattern.
    pub fn from_flags(seats: &[String], nodes: &[String]) -> Result<Selection, SelectionError> {
        let mut numbers = BTreeSet::new();
        for text in seats {
            numbers.extend(parse_seats(text)?);
        }
        Ok(Selection {
            seats: numbers.into_iter().collect(),
            nodes: nodes.to_vec(),
        })
    }

    pub fn is_all(&self) -> bool {
        self.seats.is_empty() && self.nodes.is_empty()
    }

    /// The selection checked against `lab`.
    pub fn resolve(&self, lab: &Lab) -> Result<Selected, SelectionError> {
        if !self.seats.is_empty() {
            let Some(count) = lab.seats else {
                return Err(SelectionError::NoSeats {
                    lab: lab.name.clone(),
                });
            };
            if let Some(&seat) = self.seats.iter().find(|s| **s == 0 || **s > count) {
                return Err(SelectionError::NoSuchSeat {
                    lab: lab.name.clone(),
                    seat,
                    count,
                });
            }
        }
        if let Some(pattern) = self
            .nodes
            .iter()
            .find(|p| !lab.nodes.iter().any(|n| glob_match(p, &n.name)))
        {
            return Err(SelectionError::NoMatch {
                lab: lab.name.clone(),
                pattern: pattern.clone(),
            });
        }
        let picked = |node: &crate::lab::Node| {
            self.is_all()
                || node.seat.is_some_and(|s| self.seats.contains(&s))
                || self.nodes.iter().any(|p| glob_match(p, &node.name))
        };
        let nodes: Vec<String> = lab
            .nodes
            .iter()
            .filter(|n| picked(n))
            .map(|n| n.name.clone())
            .collect();
        let whole_seats = (1..=lab.seats.unwrap_or(0))
            .filter(|&s| lab.seat_nodes(s).all(picked))
            .collect();
        Ok(Selected {
            outside: lab.nodes.len() - nodes.len(),
            nodes,
            whole_seats,
        })
    }

    /// For people: `seat 3`, `seats 1, 4 and node instructor`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.seats.as_slice() {
            [] => {}
            [one] => parts.push(format!("seat {one}")),
            many => parts.push(format!("seats {}", ranges(many))),
        }
        match self.nodes.as_slice() {
            [] => {}
            [one] => parts.push(format!("node {one}")),
            many => parts.push(format!("nodes {}", many.join(", "))),
        }
        if parts.is_empty() {
            "the whole lab".into()
        } else {
            parts.join(" and ")
        }
    }
}

/// `3`, `3..5` or `1,4,7..9` (ranges inclusive).
fn parse_seats(text: &str) -> Result<Vec<u32>, SelectionError> {
    let bad = || SelectionError::BadSeats {
        text: text.to_string(),
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        if let Some((from, to)) = part.split_once("..") {
            let (from, to) = (number(from)?, number(to.trim_start_matches('='))?);
            if from > to || to - from > 10_000 {
                return Err(bad());
            }
            out.extend(from..=to);
        } else {
            out.push(number(part)?);
        }
    }
    Ok(out)
}

/// `1..3, 5` for `[1, 2, 3, 5]`.
fn ranges(seats: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seats.len() {
        let start = seats[i];
        while i + 1 < seats.len() && seats[i + 1] == seats[i] + 1 {
            i += 1;
        }
        out.push(if seats[i] == start {
            start.to_string()
        } else {
            format!("{start}..{}", seats[i])
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        let text = "image \"i\" url=\"https://x.test/i.qcow2\" unverified=#true\n\
                    node \"teacher\"\n\
                    seats 3 {\n  node \"pc-{seat}\"\n  node \"srv-{seat}\"\n}\n";
        let source = crate::language::lab_source::LabSource::from_bytes(
            std::path::Path::new("lab.kdl"),
            text.as_bytes().to_vec(),
        )
        .expect("source");
        crate::check(&source).expect("valid")
    }

    fn flags(seats: &[&str], nodes: &[&str]) -> Result<Selection, SelectionError> {
        let own = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        Selection::from_flags(&own(seats), &own(nodes))
    }

    #[test]
    fn seats_parse_as_numbers_ranges_and_lists() {
        assert_eq!(flags(&["3"], &[]).unwrap().seats, [3]);
        assert_eq!(flags(&["3..5"], &[]).unwrap().seats, [3, 4, 5]);
        assert_eq!(flags(&["4,1", "2..=2"], &[]).unwrap().seats, [1, 2, 4]);
        for bad in ["", "x", "5..3", "1..", "-1", "1;2"] {
            assert!(
                matches!(flags(&[bad], &[]), Err(SelectionError::BadSeats { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_selection_picks_seats_and_patterns_and_knows_its_whole_seats() {
        let lab = lab();
        let s = flags(&["2"], &[]).unwrap().resolve(&lab).unwrap();
        assert_eq!(s.nodes, ["pc-2", "srv-2"]);
        assert_eq!(s.whole_seats, BTreeSet::from([2]));
        assert_eq!(s.outside, 5);
        let s = flags(&[], &["pc-*", "teacher"])
            .unwrap()
            .resolve(&lab)
            .unwrap();
        assert_eq!(s.nodes, ["teacher", "pc-1", "pc-2", "pc-3"]);
        assert!(s.whole_seats.is_empty(), "no seat has every node selected");
        let s = flags(&["1"], &["srv-3"]).unwrap().resolve(&lab).unwrap();
        assert_eq!(s.nodes, ["pc-1", "srv-1", "srv-3"]);
        assert_eq!(s.whole_seats, BTreeSet::from([1]));
        let all = Selection::default().resolve(&lab).unwrap();
        assert_eq!((all.nodes.len(), all.outside), (7, 0));
        assert_eq!(all.whole_seats, BTreeSet::from([1, 2, 3]));
    }

    #[test]
    fn a_selection_that_does_not_fit_the_lab_is_refused() {
        let lab = lab();
        assert!(matches!(
            flags(&["4"], &[]).unwrap().resolve(&lab),
            Err(SelectionError::NoSuchSeat {
                seat: 4,
                count: 3,
                ..
            })
        ));
        assert!(matches!(
            flags(&[], &["db*"]).unwrap().resolve(&lab),
            Err(SelectionError::NoMatch { .. })
        ));
        let mut no_seats = lab.clone();
        no_seats.seats = None;
        assert!(matches!(
            flags(&["1"], &[]).unwrap().resolve(&no_seats),
            Err(SelectionError::NoSeats { .. })
        ));
    }

    #[test]
    fn selections_describe_themselves() {
        assert_eq!(flags(&["3"], &[]).unwrap().describe(), "seat 3");
        assert_eq!(
            flags(&["1..3,5"], &["teacher"]).unwrap().describe(),
            "seats 1..3, 5 and node teacher"
        );
        assert_eq!(Selection::default().describe(), "the whole lab");
    }
}
