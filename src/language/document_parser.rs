//! KDL parsing of whole lab files, in parallel pieces when the file is large.
//!
//! The kdl crate parses about 1.5 MB/s, so a 5,000-node lab (1 MB) takes most of a second on
//! one core. Top-level nodes are independent, so a large file is cut at line starts at brace
//! depth 0 (from `kdl_scan`) into one piece per core; each piece is parsed on its own thread
//! and its spans shifted back to file offsets. A cut can only be wrong where a node continues
//! across the line (a `\` continuation or a dangling `/-`), and then that piece fails to parse
//! on its own; any failure re-parses the whole file in one piece, so diagnostics are always
//! those of a plain parse.

use kdl::{KdlDocument, KdlError, KdlNode};
use miette::SourceSpan;

/// Below this size one thread is faster than starting several.
const PARALLEL_MIN_BYTES: usize = 128 * 1024;

/// The parser recurses per block; its threads get a large stack so no input overflows it.
pub const PARSER_STACK: usize = 64 * 1024 * 1024;

/// Parses `text`; `boundaries` are the depth-0 line starts found by `kdl_scan::scan`.
pub fn parse(text: &str, boundaries: &[usize]) -> Result<KdlDocument, KdlError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    if text.len() < PARALLEL_MIN_BYTES || threads < 2 {
        return KdlDocument::parse(text);
    }
    let cuts = cut_points(text.len(), boundaries, threads);
    let pieces: Vec<(usize, &str)> = cuts.windows(2).map(|w| (w[0], &text[w[0]..w[1]])).collect();
    let parsed: Vec<Option<KdlDocument>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pieces
            .iter()
            .map(|&(offset, piece)| {
                std::thread::Builder::new()
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(scope, move || {
                        let mut document = KdlDocument::parse(piece).ok()?;
                        shift_document(&mut document, offset);
                        Some(document)
                    })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.ok().and_then(|h| h.join().ok().flatten()))
            .collect()
    });
    if parsed.iter().any(Option::is_none) {
        return KdlDocument::parse(text);
    }
    let mut whole = KdlDocument::new();
    for mut document in parsed.into_iter().flatten() {
        whole.nodes_mut().append(document.nodes_mut());
    }
    whole.set_span(SourceSpan::from((0, text.len())));
    Ok(whole)
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
        for i in 0..1400 {
            text.push_str(&format!(
                "node \"n{i}\" cpus=2 {{\n  memory \"1GiB\" // note\n  interface network=\"lan\" address=\"10.0.{}.{}\"\n}}\n/* block\n comment */\n",
                i / 250,
                i % 250
            ));
        }
        text
    }

    #[test]
    fn parallel_parse_equals_serial_parse() {
        let text = big_lab();
        assert!(text.len() > PARALLEL_MIN_BYTES);
        let parallel = parse(&text, &scan(&text).boundaries).expect("parses");
        let serial = KdlDocument::parse(&text).expect("parses");
        assert_eq!(shape(&parallel), shape(&serial));
    }

    #[test]
    fn a_bad_cut_falls_back_to_one_piece() {
        // Every line continues the previous node: every cut lands inside a node.
        let mut text = String::from("node \"n\" \\\n");
        for i in 0..16_000 {
            text.push_str(&format!("  {i} \\\n"));
        }
        text.push_str("  end\n");
        let parallel = parse(&text, &scan(&text).boundaries).expect("parses");
        assert_eq!(parallel.nodes().len(), 1);
        assert_eq!(
            shape(&parallel),
            shape(&KdlDocument::parse(&text).expect("parses"))
        );
    }

    #[test]
    fn errors_are_those_of_a_plain_parse() {
        let mut text = big_lab();
        text.push_str("node \"unclosed {\n");
        let parallel = parse(&text, &scan(&text).boundaries).expect_err("fails");
        let serial = KdlDocument::parse(&text).expect_err("fails");
        assert_eq!(parallel.diagnostics, serial.diagnostics);
    }
}
