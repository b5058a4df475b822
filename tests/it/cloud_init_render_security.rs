//! Security properties of cloud-init rendering (issue 14): template files are read bounded
//! and only when regular, secrets never reach printed text in any form a template can write
//! them, and values from the lab cannot change the structure of the built-in YAML.
//!
//! Uses the helpers of `cloud_init_render`; no external tools, no network.

use super::cloud_init_render::{IMG, dir_with, lab_in, render_err};

// ---- template files -------------------------------------------------------------------------

/// A lab whose node `a` takes its user-data from `path` (relative to `dir`, or absolute).
fn lab_with_user_data_at(dir: &std::path::Path, path: &str) -> vlab::lab::Lab {
    lab_in(
        dir,
        &format!("{IMG}node \"a\" {{ cloud-init {{ user-data \"{path}\"; }}; }}"),
    )
}

#[test]
fn template_larger_than_the_limit_is_refused() {
    let big = format!(
        "#cloud-config\n# {}\n",
        "x".repeat(vlab::cloud_init::TEMPLATE_LIMIT as usize)
    );
    let dir = dir_with(&[("ud.tera", &big)]);
    let error = render_err(&lab_with_user_data_at(dir.path(), "ud.tera"), "a");
    assert!(
        error.message.contains("cannot read the template") && error.message.contains("limit"),
        "{}",
        error.message
    );
    assert!(error.help.as_deref().unwrap_or("").contains("1024 KiB"));
}

#[test]
fn template_that_is_a_device_is_refused_without_reading_it() {
    let dir = dir_with(&[]);
    // /dev/zero never ends: reading it whole would run out of memory.
    let error = render_err(&lab_with_user_data_at(dir.path(), "/dev/zero"), "a");
    assert_eq!(error.template, "/dev/zero");
    assert!(
        error
            .message
            .contains("a character device, not a regular file"),
        "{}",
        error.message
    );
}

#[test]
fn template_that_is_a_directory_or_a_fifo_is_refused() {
    let dir = dir_with(&[]);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (path, kind) in [("sub", "a directory"), ("fifo", "a FIFO")] {
        // A FIFO without a writer would block a plain read forever.
        let error = render_err(&lab_with_user_data_at(dir.path(), path), "a");
        assert!(error.message.contains(kind), "{path}: {}", error.message);
    }
}
