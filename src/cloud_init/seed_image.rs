//! `SeedImage`: the NoCloud seed, a small vfat filesystem labelled `cidata`, built in memory.
//!
//! Pure Rust (the fatfs crate): no genisoimage, xorriso, mkisofs or mkfs.vfat on the user's
//! machine. The image is byte-identical for the same files: the volume id is derived from
//! the content and every timestamp is the FAT epoch. `files` reads such an image back (the
//! old seed of a domain, for the plan's cloud-init diff). Building and reading only:
//! uploading the seed to a host is the pool uploader's job, downloading it the libvirt
//! layer's.

use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

/// The filesystem label cloud-init's NoCloud datasource looks for.
pub const LABEL: &[u8; 11] = b"cidata     ";

/// Every timestamp in the image: 1980-01-01 00:00, the FAT epoch (a valid date, unlike the
/// all-zero one), so the image depends on its files alone.
#[derive(Debug)]
struct FatEpoch;

impl fatfs::TimeProvider for FatEpoch {
    fn get_current_date(&self) -> fatfs::Date {
        fatfs::Date {
            year: 1980,
            month: 1,
            day: 1,
        }
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        fatfs::DateTime {
            date: self.get_current_date(),
            time: fatfs::Time {
                hour: 0,
                min: 0,
                sec: 0,
                millis: 0,
            },
        }
    }
}

static FAT_EPOCH: FatEpoch = FatEpoch;

/// Room for the files plus FAT overhead; at least 1 MiB, in whole MiB.
fn image_size(files: &[(&str, &[u8])]) -> u64 {
    let content: u64 = files.iter().map(|(_, data)| data.len() as u64 + 4096).sum();
    (content * 2 / (1024 * 1024) + 1).max(1) * 1024 * 1024
}

/// Builds a vfat image holding `files` (name, content) in its root directory.
pub fn build(files: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let size = image_size(files);
    let mut disk = Cursor::new(vec![0u8; size as usize]);
    let mut id_hasher = Sha256::new();
    for (name, data) in files {
        id_hasher.update(name.as_bytes());
        id_hasher.update([0]);
        id_hasher.update(data);
    }
    let digest = id_hasher.finalize();
    let volume_id = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    fatfs::format_volume(
        &mut disk,
        fatfs::FormatVolumeOptions::new()
            .volume_label(*LABEL)
            .volume_id(volume_id),
    )?;
    {
        let options = fatfs::FsOptions::new()
            .time_provider(&FAT_EPOCH)
            .update_accessed_date(false);
        let fs = fatfs::FileSystem::new(&mut disk, options)?;
        let root = fs.root_dir();
        for (name, data) in files {
            let mut file = root.create_file(name)?;
            file.truncate()?;
            file.write_all(data)?;
            file.flush()?;
        }
        drop(root);
        fs.unmount()?;
    }
    Ok(disk.into_inner())
}

/// The largest file `files` reads back: a seed file is a rendered template, at most
/// `TEMPLATE_LIMIT` long.
const FILE_LIMIT: u64 = super::TEMPLATE_LIMIT;

/// The files in the root directory of a vfat image (a seed `build` made), by name, in the
/// directory's order. A file larger than a template can render is an error, not read.
pub fn files(image: &[u8]) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    use std::io::Read;
    // fatfs opens read-write images only: a copy, never written.
    let fs = fatfs::FileSystem::new(Cursor::new(image.to_vec()), fatfs::FsOptions::new())?;
    let mut out = Vec::new();
    for entry in fs.root_dir().iter() {
        let entry = entry?;
        if !entry.is_file() {
            continue;
        }
        if entry.len() > FILE_LIMIT {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is larger than a seed file can be", entry.file_name()),
            ));
        }
        let mut data = Vec::new();
        entry.to_file().take(FILE_LIMIT).read_to_end(&mut data)?;
        out.push((entry.file_name(), data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn files_reads_back_what_build_packed() {
        let files_in: [(&str, &[u8]); 3] = [
            ("meta-data", b"instance-id: a\n"),
            ("user-data", b"#cloud-config\n"),
            ("network-config", b"version: 2\n"),
        ];
        let image = build(&files_in).expect("build");
        let back = files(&image).expect("read");
        let names: Vec<(&str, &[u8])> = back
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(names, files_in);
        assert!(files(b"not a filesystem").is_err());
    }

    #[test]
    fn files_read_back_and_the_image_is_reproducible() {
        let files: [(&str, &[u8]); 2] = [
            ("meta-data", b"instance-id: a\n"),
            ("user-data", b"#cloud-config\n"),
        ];
        let image = build(&files).expect("build");
        assert_eq!(
            image,
            build(&files).expect("build again"),
            "byte-identical for the same input"
        );
        assert_ne!(image, build(&files[..1]).expect("other input"));
        let fs =
            fatfs::FileSystem::new(Cursor::new(image), fatfs::FsOptions::new()).expect("mount");
        assert_eq!(fs.volume_label(), "cidata");
        let mut text = String::new();
        fs.root_dir()
            .open_file("user-data")
            .expect("open")
            .read_to_string(&mut text)
            .expect("read");
        assert_eq!(text, "#cloud-config\n");
    }

    #[test]
    fn large_content_gets_a_larger_image() {
        let big = vec![b'x'; 3 * 1024 * 1024];
        let image = build(&[("user-data", &big)]).expect("build");
        assert!(image.len() >= 6 * 1024 * 1024);
    }
}
