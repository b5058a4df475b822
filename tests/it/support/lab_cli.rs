//! Running the vlab binary on a lab file written into a test's folder, with that folder as
//! `HOME` and the image cache (so the lab's keys and cache stay in it): `vlab SUBCOMMAND -f
//! FILE ARGS...`, for the CLI tests on libvirt's `test:///default` driver.

use std::path::Path;
use std::process::Command;

/// Writes `lab` to `dir/file_name`, runs `vlab args[0] -f FILE args[1..]`, and returns its
/// exit code, stdout and stderr.
pub fn run(dir: &Path, file_name: &str, lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let file = dir.join(file_name);
    std::fs::write(&file, lab).expect("lab");
    let output = Command::new(env!("CARGO_BIN_EXE_vlab"))
        .env("VLAB_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .env_remove("VLAB_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .args(["--color", "never", args[0], "-f"])
        .arg(&file)
        .args(&args[1..])
        .output()
        .expect("vlab runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}
