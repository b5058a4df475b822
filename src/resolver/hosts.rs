//! Hosts: URI and hypervisor checks, `accel` on QEMU hosts only, Xen firmware paths on Xen
//! hosts only (absolute, Debian's by default), the implicit default host.
//!
//! The URI's syntax and its per-transport allow-list of parameters are `HostUri`'s; here the
//! lab's opt-ins are held against it: a parameter that runs a program or changes what is
//! trusted needs the host's `allow-uri-params`, every name there must be such a parameter of
//! the URI, and a `test:///PATH` driver file needs `VLAB_TEST_DRIVER_FILES=1`.

use super::Resolver;
use super::names::{NameSet, invalid_name};
use crate::host_uri::{HostUri, Rule, UriErrorKind};
use crate::lab::choices::{Accel, Hypervisor};
use crate::lab::host::{DEFAULT_HOST, DEFAULT_POOL, DEFAULT_URI};
use crate::lab::{Host, XenPaths};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::check_name;
use crate::language::spanned::Spanned;
use crate::language::spec::HostSpec;
use miette::SourceSpan;
use std::ops::Range;

impl Resolver<'_> {
    pub(super) fn resolve_hosts(&mut self) {
        if self.spec.hosts.is_empty() {
            self.hosts.push(Host {
                name: DEFAULT_HOST.to_string(),
                uri: HostUri::parse(DEFAULT_URI).expect("the default URI parses"),
                hypervisor: Hypervisor::Kvm,
                accel: Some(Accel::Auto),
                pool: DEFAULT_POOL.to_string(),
                xen: None,
                implicit: true,
            });
            return;
        }
        let mut names = NameSet::new("host");
        for spec in &self.spec.hosts {
            if let Err(why) = check_name(&spec.name.value, 63) {
                self.d.push(invalid_name("host", spec.name.span, why));
            }
            if let Err(e) = names.insert(&spec.name.value, spec.name.span) {
                self.d.push(e);
                continue;
            }
            if let Some(host) = self.resolve_host(spec) {
                // Two hosts on one libvirt would each see the other's guests as strays.
                if let Some(twin) = self.hosts.iter().find(|h| h.uri.raw == host.uri.raw) {
                    let span = spec.uri.as_ref().map_or(spec.name.span, |u| u.span);
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::DuplicateHost,
                            span,
                            format!(
                                "host `{}` has the same URI as host `{}`",
                                host.name, twin.name
                            ),
                        )
                        .label("same libvirt as another host")
                        .help("declare each libvirt host once and place nodes on it by name"),
                    );
                    continue;
                }
                self.hosts.push(host);
            }
        }
    }

    fn resolve_host(&mut self, spec: &HostSpec) -> Option<Host> {
        let Some(uri_text) = &spec.uri else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    spec.name.span,
                    format!("host `{}` has no `uri`", spec.name.value),
                )
                .label("uri missing")
                .help(format!(
                    "for example `host \"{}\" uri=\"{DEFAULT_URI}\"`",
                    spec.name.value
                )),
            );
            return None;
        };
        let uri = self.parse_uri(uri_text)?;
        if !self.uri_allowed(spec, uri_text, &uri) {
            return None;
        }
        let hypervisor = match (uri.hypervisor(), &spec.hypervisor) {
            (Some(implied), Some(given)) if implied != given.value => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::ConflictingSettings,
                        given.span,
                        format!(
                            "`hypervisor \"{}\"` contradicts the URI, which is a {} host",
                            given.value, implied
                        ),
                    )
                    .label("contradicts the URI")
                    .help("remove `hypervisor`: it is derived from the URI"),
                );
                return None;
            }
            (Some(implied), _) => implied,
            (None, Some(given)) => given.value,
            (None, None) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        uri_text.span,
                        "a `test:///` host needs `hypervisor`",
                    )
                    .label("hypervisor unknown")
                    .help("add `hypervisor=\"kvm\"` or `hypervisor=\"xen\"`"),
                );
                return None;
            }
        };
        let accel = match (hypervisor, &spec.accel) {
            (Hypervisor::Kvm, accel) => Some(accel.as_ref().map_or(Accel::Auto, |a| a.value)),
            (Hypervisor::Xen, None) => None,
            (Hypervisor::Xen, Some(accel)) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::NotForXen,
                        accel.span,
                        "`accel` applies to QEMU hosts, not to Xen hosts",
                    )
                    .label("not for Xen")
                    .help("remove `accel`: Xen guests are always run by the Xen hypervisor"),
                );
                None
            }
        };
        let pool = match &spec.pool {
            Some(pool) => {
                if let Err(why) = check_name(&pool.value, 63) {
                    self.d.push(invalid_name("pool", pool.span, why));
                }
                pool.value.clone()
            }
            None => DEFAULT_POOL.to_string(),
        };
        let xen = self.xen_paths(spec, hypervisor);
        Some(Host {
            name: spec.name.value.clone(),
            uri,
            hypervisor,
            accel,
            pool,
            xen,
            implicit: false,
        })
    }

    /// The Xen host's firmware and device model paths, each given or Debian's; on a KVM host
    /// every one of them is a mistake.
    fn xen_paths(&mut self, spec: &HostSpec, hypervisor: Hypervisor) -> Option<XenPaths> {
        let debian = XenPaths::default();
        let given = [
            ("hvmloader", &spec.hvmloader, &debian.hvmloader),
            ("device-model", &spec.device_model, &debian.device_model),
            ("pvgrub", &spec.pvgrub, &debian.pvgrub),
            ("pvgrub-pvh", &spec.pvgrub_pvh, &debian.pvgrub_pvh),
        ];
        if hypervisor == Hypervisor::Kvm {
            for (key, value, _) in given {
                if let Some(value) = value {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::NotForKvm,
                            value.span,
                            format!(
                                "`{key}` applies to Xen hosts; host `{}` is a KVM host",
                                spec.name.value
                            ),
                        )
                        .label("not for KVM")
                        .help(format!(
                            "remove `{key}`: QEMU guests on KVM hosts do not use it"
                        )),
                    );
                }
            }
            return None;
        }
        for (key, value, default) in given {
            if let Some(value) = value.as_ref().filter(|v| !v.value.starts_with('/')) {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidPath,
                        value.span,
                        format!("`{key}` must be an absolute path on the Xen host"),
                    )
                    .label("not absolute")
                    .help(format!(
                        "a full path in dom0's file system, like Debian's `{default}`"
                    )),
                );
            }
        }
        let path = |value: &Option<Spanned<String>>, default: String| {
            value.as_ref().map_or(default, |v| v.value.clone())
        };
        Some(XenPaths {
            hvmloader: path(&spec.hvmloader, debian.hvmloader.clone()),
            device_model: path(&spec.device_model, debian.device_model.clone()),
            pvgrub: path(&spec.pvgrub, debian.pvgrub.clone()),
            pvgrub_pvh: path(&spec.pvgrub_pvh, debian.pvgrub_pvh.clone()),
        })
    }

    /// The host's URI, or `None` with a diagnostic pointing into it.
    fn parse_uri(&mut self, uri_text: &Spanned<String>) -> Option<HostUri> {
        match HostUri::parse(&uri_text.value) {
            Ok(uri) => Some(uri),
            Err(e) => {
                let (code, label) = match e.kind {
                    UriErrorKind::Invalid => (DiagnosticCode::InvalidUri, "invalid URI"),
                    UriErrorKind::Parameter => (DiagnosticCode::UriParameter, "refused parameter"),
                };
                let prefix = match e.kind {
                    UriErrorKind::Invalid => "invalid libvirt URI: ",
                    UriErrorKind::Parameter => "",
                };
                self.d.push(
                    Diagnostic::new(
                        code,
                        within(uri_text, e.at),
                        format!("{prefix}{}", e.message),
                    )
                    .label(label)
                    .help(e.help.unwrap_or_else(|| {
                        "e.g. `qemu:///system`, `qemu+ssh://root@host/system`, `xen:///system`"
                            .into()
                    })),
                );
                None
            }
        }
    }

    /// The lab's opt-ins held against the URI: every parameter that needs one has it, every
    /// name in `allow-uri-params` is such a parameter of this URI, and a test driver file is
    /// allowed by the person running vlab. False (with diagnostics) if not.
    fn uri_allowed(&mut self, spec: &HostSpec, uri_text: &Spanned<String>, uri: &HostUri) -> bool {
        let host = &spec.name.value;
        let before = self.d.len();
        if let Some(file) = uri.test_driver_file()
            && !self.options.test_driver_files
        {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::TestDriverFile,
                    uri_text.span,
                    format!("`test://{file}` would make libvirt's test driver read `{file}`"),
                )
                .label("a local file")
                .help(format!(
                    "a test host is `{}`; driver files are for vlab's own tests ({}=1)",
                    crate::host_uri::TEST_DEFAULT,
                    crate::TEST_DRIVER_FILES_VAR
                )),
            );
        }
        let allowed = |name: &str| spec.allow_uri_params.iter().any(|a| a.value == name);
        for param in &uri.params {
            if let Rule::OptIn(what) = param.spec().rule
                && !allowed(&param.name)
            {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::UriParameter,
                        within(uri_text, Some(param.at.clone())),
                        format!("URI parameter `{}` {what}", param.name),
                    )
                    .label("needs the host's opt-in")
                    .help(format!(
                        "if you trust this lab file, allow it on the host: `host \"{host}\" uri=... {{ allow-uri-params \"{}\"; }}`",
                        param.name
                    )),
                );
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for name in &spec.allow_uri_params {
            let opt_in = crate::host_uri::ParamSpec::find(&name.value)
                .is_some_and(|p| matches!(p.rule, Rule::OptIn(_)));
            let problem = if seen.contains(&name.value.as_str()) {
                Some((
                    DiagnosticCode::DuplicateSetting,
                    format!("`{}` is allowed twice", name.value),
                    "keep one of them".to_string(),
                ))
            } else if !opt_in {
                Some((
                    DiagnosticCode::UriParameter,
                    format!(
                        "`{}` is not a URI parameter that needs `allow-uri-params`",
                        name.value
                    ),
                    format!(
                        "name only parameters of the URI that need the opt-in: {}",
                        crate::host_uri::ParamSpec::opt_in_names().join(", ")
                    ),
                ))
            } else if !uri.params.iter().any(|p| p.name == name.value) {
                Some((
                    DiagnosticCode::UriParameter,
                    format!(
                        "`{}` is allowed, but the URI of host `{host}` does not have it",
                        name.value
                    ),
                    format!("remove `{}` from `allow-uri-params`", name.value),
                ))
            } else {
                None
            };
            if let Some((code, message, help)) = problem {
                self.d.push(
                    Diagnostic::new(code, name.span, message)
                        .label("not allowed here")
                        .help(help),
                );
            }
            seen.push(&name.value);
        }
        self.d.len() == before
    }
}

/// The span of `at` (a byte range of the URI) inside the lab file, when the URI is a plain
/// quoted string there (no escapes, so offsets match); the whole value otherwise.
fn within(uri_text: &Spanned<String>, at: Option<Range<usize>>) -> SourceSpan {
    match at {
        Some(at)
            if uri_text.span.len() == uri_text.value.len() + 2
                && at.end <= uri_text.value.len() =>
        {
            SourceSpan::from((uri_text.span.offset() + 1 + at.start, at.len().max(1)))
        }
        _ => uri_text.span,
    }
}
