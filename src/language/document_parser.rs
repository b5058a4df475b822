//! KDL parsing of whole lab files, in pieces read one after the other, several at a time.
//!
//! The kdl crate parses about 1.5 MB/s and keeps every token's text and whitespace, so a
//! parsed document takes about 100 times the memory of its text: 1.4 GB for a 15 MB lab.
//! Top-level nodes are independent, so a file larger than `PIECE_BYTES` is cut at line starts
//! at brace depth 0 (from `kdl_scan`) into pieces of about that size; one worker per core
//! takes the next piece, parses it, shifts its spans back to file offsets, hands it to the
//! caller's `read` and drops it. Only the readings are kept (in file order), so the parsed
//! form of at most one piece per worker is alive at a time. A cut can only be wrong where a
//! node continues across the line (a `\` continuation or a dangling `/-`), and then that
//! piece fails to parse on its own; any failure re-parses the whole file in one piece, so
//! diagnostics are always those of a plain parse.

use kdl::{KdlDocument, KdlError, KdlNode};
use miette::SourceSpan;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The size of a piece; a smaller file is parsed in one.
const PIECE_BYTES: usize = 128 * 1024;

/// The parser recurses per block; its threads get a large stack so no input overflows it.
pub const PARSER_STACK: usize = 64 * 1024 * 1024;

/// Parses `text` piece by piece and returns what `read` made of each piece, in file order.
/// `boundaries` are the depth-0 line starts found by `kdl_scan::scan`.
pub fn parse_each<T: Send>(
    text: &str,
    boundaries: &[usize],
    read: impl Fn(&KdlDocument) -> T + Sync,
) -> Result<Vec<T>, KdlError> {
    if text.len() < PIECE_BYTES {
        return KdlDocument::parse(text).map(|document| vec![read(&document)]);
    }
    let cuts = cut_points(text.len(), boundaries, text.len().div_ceil(PIECE_BYTES));
    let pieces: Vec<(usize, &str)> = cuts.windows(2).map(|w| (w[0], &text[w[0]..w[1]])).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8)
        .min(pieces.len());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done: Vec<(usize, T)> = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(offset, piece)) = pieces.get(i) else {
                break;
            };
            let Ok(mut document) = KdlDocument::parse(piece) else {
                failed.store(true, Ordering::Relaxed);
                break;
            };
            shift_document(&mut document, offset);
            done.push((i, read(&document)));
        }
        done
    };
    let mut done: Vec<(usize, T)> = if workers < 2 {
        work()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    std::thread::Builder::new()
                        .stack_size(PARSER_STACK)
                        .spawn_scoped(scope, work)
                })
                .collect();
            let mut all = Vec::new();
            for handle in handles {
                match handle.map(std::thread::ScopedJoinHandle::join) {
                    Ok(Ok(part)) => all.extend(part),
                    _ => failed.store(true, Ordering::Relaxed),
                }
            }
            all
        })
    };
    if failed.load(Ordering::Relaxed) || done.len() != pieces.len() {
        drop(done);
        return KdlDocument::parse(text).map(|document| vec![read(&document)]);
    }
    done.sort_unstable_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, t)| t).collect())
}

/// Offsets that split `len` bytes into about `pieces` parts at allowed boundaries,
/// starting with 0 and ending with `len`.
fn cut_points(len: usize, boundaries: &[usize], pieces: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..pieces {
        let target = len * k / pieces;
        let at = boundaries.partition_point(|&b| b < target);
        if let Some(&cut) = boundaries.get(at)
            && cut > *cuts.last().unwrap_or(&0)
            && cut < len
        {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    cuts
}

fn shift(span: SourceSpan, offset: usize) -> SourceSpan {
    SourceSpan::from((span.offset() + offset, span.len()))
}

fn shift_document(document: &mut KdlDocument, offset: usize) {
    document.set_span(shift(document.span(), offset));
    for node in document.nodes_mut() {
        shift_node(node, offset);
    }
}

fn shift_node(node: &mut KdlNode, offset: usize) {
    node.set_span(shift(node.span(), offset));
    let name = node.name_mut();
    name.set_span(shift(name.span(), offset));
    if let Some(ty) = node.ty_mut() {
        ty.set_span(shift(ty.span(), offset));
    }
    for entry in node.entries_mut() {
        entry.set_span(shift(entry.span(), offset));
        if let Some(name) = entry.name_mut() {
            name.set_span(shift(name.span(), offset));
        }
        if let Some(ty) = entry.ty_mut() {
            ty.set_span(shift(ty.span(), offset));
        }
    }
    if let Some(children) = node.children_mut() {
        shift_document(children, offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::kdl_scan::scan;

    /// Node names with their spans and entry spans, recursively: what the loader reads.
    fn shape(document: &KdlDocument) -> Vec<String> {
        let mut out = Vec::new();
        for node in document.nodes() {
            out.push(format!(
                "{} {:?} {:?}",
                node.name().value(),
                node.span(),
                node.name().span()
            ));
            for entry in node.entries() {
                out.push(format!("  {:?} {:?}", entry.value(), entry.span()));
            }
            if let Some(children) = node.children() {
                out.extend(shape(children).into_iter().map(|s| format!("    {s}")));
            }
        }
        out
    }

    fn big_lab() -> String {
        let mut text = String::from("lab \"big\" {\n  description \"x\"\n}\n");
        for i in 0..4000 {
            text.push_str(&format!(
                "node \"n{i}\" cpus=2 {{\n  memory \"1GiB\" // note\n  interface network=\"lan\" address=\"10.0.{}.{}\"\n}}\n/* block\n comment */\n",
                i / 250,
                i % 250
            ));
        }
        text
    }

    /// Every piece's shape, in file order: one list as from a whole-file parse.
    fn pieces_shape(text: &str) -> Result<(usize, Vec<String>), KdlError> {
        let pieces = parse_each(text, &scan(text).boundaries, shape)?;
        Ok((pieces.len(), pieces.into_iter().flatten().collect()))
    }

    #[test]
    fn a_parse_in_pieces_equals_a_whole_parse() {
        let text = big_lab();
        assert!(text.len() > 2 * PIECE_BYTES);
        let (pieces, shape_of_pieces) = pieces_shape(&text).expect("parses");
        assert_eq!(
            pieces,
            text.len().div_ceil(PIECE_BYTES),
            "pieces of bounded size"
        );
        let serial = KdlDocument::parse(&text).expect("parses");
        assert_eq!(shape_of_pieces, shape(&serial));
    }

    #[test]
    fn a_small_file_is_one_piece() {
        let (pieces, _) = pieces_shape("node \"a\"\nnode \"b\"\n").expect("parses");
        assert_eq!(pieces, 1);
    }

    #[test]
    fn a_bad_cut_falls_back_to_one_piece() {
        // Every line continues the previous node: every cut lands inside a node.
        let mut text = String::from("node \"n\" \\\n");
        for i in 0..16_000 {
            text.push_str(&format!("  {i} \\\n"));
        }
        text.push_str("  end\n");
        let (pieces, shape_of_pieces) = pieces_shape(&text).expect("parses");
        assert_eq!(pieces, 1);
        assert_eq!(
            shape_of_pieces,
            shape(&KdlDocument::parse(&text).expect("parses"))
        );
    }

    #[test]
    fn errors_are_those_of_a_plain_parse() {
        let mut text = big_lab();
        text.push_str("node \"unclosed {\n");
        let pieces = pieces_shape(&text).expect_err("fails");
        let serial = KdlDocument::parse(&text).expect_err("fails");
        assert_eq!(pieces.diagnostics, serial.diagnostics);
    }
}
