//! Images: URL schemes, checksums (inline, checksums file, or explicitly unverified),
//! and direct-boot files.

use super::Resolver;
use super::names::{NameSet, invalid_name};
use crate::checksum::Checksum;
use crate::lab::choices::DiskFormat;
use crate::lab::{BootFile, Image, Verification};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::check_name;
use crate::language::spanned::Spanned;
use crate::language::spec::{BootFileSpec, ImageSpec};

const SCHEMES: [&str; 3] = ["https://", "http://", "file://"];

impl Resolver<'_> {
    pub(super) fn resolve_images(&mut self) {
        let mut names = NameSet::new("image");
        for spec in &self.spec.images {
            if let Err(why) = check_name(&spec.name.value, 63) {
                self.d.push(invalid_name("image", spec.name.span, why));
            }
            if let Err(e) = names.insert(&spec.name.value, spec.name.span) {
                self.d.push(e);
            }
            if let Some(image) = self.resolve_image(spec) {
                self.images.push(image);
            }
        }
    }

    /// Checks everything about the image before giving up on any of it.
    fn resolve_image(&mut self, spec: &ImageSpec) -> Option<Image> {
        let url = if let Some(url) = &spec.url {
            self.check_url(url).then_some(url)
        } else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    spec.name.span,
                    format!("image `{}` has no `url`", spec.name.value),
                )
                .label("url missing")
                .help("add `url \"https://...\"` (http, https or file)"),
            );
            None
        };
        let unverified = spec.unverified.as_ref().is_some_and(|u| u.value);
        let verification = self.verification(spec, unverified);
        let list_owned = spec.checksums_url.as_ref().map(|u| u.value.clone());
        let list = list_owned.as_deref();
        let kernel = spec
            .kernel
            .as_ref()
            .and_then(|k| self.boot_file(k, "kernel", unverified, list));
        let initrd = spec
            .initrd
            .as_ref()
            .and_then(|i| self.boot_file(i, "initrd", unverified, list));
        if spec.kernel.is_none() {
            for (what, span) in [
                ("initrd", spec.initrd.as_ref().map(|i| i.url.span)),
                ("cmdline", spec.cmdline.as_ref().map(|c| c.span)),
            ] {
                if let Some(span) = span {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::MissingSetting,
                            span,
                            format!("`{what}` needs a `kernel`"),
                        )
                        .label("no kernel to go with it")
                        .help("add `kernel \"URL\" checksum=\"sha256:...\"` for direct boot"),
                    );
                }
            }
        }
        let ready = self.readiness(spec.ready.as_ref());
        let shutdown_timeout = self.shutdown_timeout(spec.shutdown_timeout.as_ref());
        Some(Image {
            name: spec.name.value.clone(),
            url: url?.value.clone(),
            verification: verification?,
            format: spec.format.as_ref().map_or(DiskFormat::Qcow2, |f| f.value),
            kernel,
            initrd,
            cmdline: spec.cmdline.as_ref().map(|c| c.value.clone()),
            ready: ready?,
            shutdown_timeout: shutdown_timeout?,
        })
    }

    fn verification(&mut self, spec: &ImageSpec, unverified: bool) -> Option<Verification> {
        match (&spec.checksum, &spec.checksums_url, unverified) {
            (Some(_), Some(second), _) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::ConflictingSettings,
                        second.span,
                        "give either `checksum` or `checksums-url`, not both",
                    )
                    .label("second source of truth")
                    .help("keep the one you trust"),
                );
                None
            }
            (Some(c), None, true) | (None, Some(c), true) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::ConflictingSettings,
                        c.span,
                        "an image with a checksum cannot be `unverified`",
                    )
                    .label("checksum given")
                    .help("remove `unverified #true`: this image can be verified"),
                );
                None
            }
            (Some(checksum), None, false) => self.checksum(checksum).map(Verification::Checksum),
            (None, Some(url), false) => self
                .check_url(url)
                .then(|| Verification::ChecksumsUrl(url.value.clone())),
            (None, None, true) => Some(Verification::Unverified),
            (None, None, false) => {
                self.d.push(
                    Diagnostic::new(DiagnosticCode::MissingChecksum, spec.name.span, format!("image `{}` has no checksum", spec.name.value))
                        .label("cannot be verified")
                        .help("add `checksum \"sha256:<hex>\"` or `checksums-url \"https://.../SHA256SUMS\"`; only if neither exists, `unverified #true`"),
                );
                None
            }
        }
    }

    /// A kernel or initrd: its own checksum, else the image's checksums file lists it.
    fn boot_file(
        &mut self,
        spec: &BootFileSpec,
        what: &str,
        unverified: bool,
        list: Option<&str>,
    ) -> Option<BootFile> {
        let url_ok = self.check_url(&spec.url);
        let checksum = match &spec.checksum {
            Some(c) => Some(self.checksum(c)?),
            None if unverified || list.is_some() => None,
            None => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingChecksum,
                        spec.url.span,
                        format!("the {what} has no checksum"),
                    )
                    .label("cannot be verified")
                    .help(format!("add `checksum=\"sha256:<hex>\"` to `{what}`, or a `checksums-url` to the image that lists it")),
                );
                return None;
            }
        };
        url_ok.then(|| BootFile {
            url: spec.url.value.clone(),
            checksums_url: if checksum.is_none() {
                list.map(str::to_string)
            } else {
                None
            },
            checksum,
        })
    }

    fn checksum(&mut self, text: &Spanned<String>) -> Option<Checksum> {
        match Checksum::parse(&text.value) {
            Ok(c) => Some(c),
            Err(why) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidChecksum,
                        text.span,
                        format!("invalid checksum: {why}"),
                    )
                    .label("invalid checksum")
                    .help("write `sha256:<64 hex digits>` or `sha512:<128 hex digits>`"),
                );
                None
            }
        }
    }

    fn check_url(&mut self, url: &Spanned<String>) -> bool {
        let text = &url.value;
        let scheme = SCHEMES.iter().find(|s| text.starts_with(*s));
        let problem = match scheme {
            None => Some("vlab fetches images over https, http or file URLs".to_string()),
            Some(s) if text.len() == s.len() => {
                Some("the URL has nothing after the scheme".to_string())
            }
            Some(_) if text.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                Some("a URL cannot contain spaces; encode them as %20".to_string())
            }
            Some(_) => None,
        };
        match problem {
            None => true,
            Some(why) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidUrl,
                        url.span,
                        format!("invalid URL `{text}`"),
                    )
                    .label("invalid URL")
                    .help(why),
                );
                false
            }
        }
    }
}
