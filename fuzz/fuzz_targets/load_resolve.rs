//! Fuzz target: any bytes through the whole front end (source checks, KDL parse, loader,
//! resolver, diagnostic rendering). It must never panic, overflow or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use vlab::language::lab_source::LabSource;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = LabSource::from_bytes(Path::new("fuzz.kdl"), data.to_vec()) else {
        return;
    };
    if let Err(diagnostics) = vlab::check(&source) {
        // Rendering walks every span against the text: spans must stay in bounds.
        let _ = vlab::language::report::render_human(&source, &diagnostics, false);
        let _ = vlab::language::report::locate_all(&source, &diagnostics);
    }
});
