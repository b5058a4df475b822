//! Checks: each `test` block (the shared ones, then each seat's, with `{seat}` expanded)
//! checked into a `Check`: a name by the name rule and unique, exactly one thing to run (a
//! `command` on a `node`, or the built-in `reach` or `port`), expectations only with a
//! command, nodes the lab declares, a port from 1 to 65535, `retries` up to 100, durations
//! and regular expressions that parse. Runs after the nodes are resolved; adds nothing to
//! them (a check is not part of any node's spec).

use super::Resolver;
use super::names::invalid_name;
use super::nodes::unknown_reference;
use super::readiness::parse_duration;
use crate::index_template;
use crate::lab::check::{DEFAULT_DELAY, DEFAULT_TIMEOUT, MAX_RETRIES};
use crate::lab::{Check, CheckKind, Expectation, OutputPattern};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::{check_name, unknown_help};
use crate::language::spanned::Spanned;
use crate::language::spec::{ProbeSpec, TestSpec};
use std::time::Duration;

/// Longest test name, as for nodes.
const TEST_NAME_MAX: usize = 63;

const WHAT_TO_RUN: &str = "give it a `command` and the `node` it runs on, or a built-in: \
                           `reach from=\"web-1\" to=\"db\"` or `port to=\"db\" port=5432`";

impl Resolver<'_> {
    pub(super) fn resolve_checks(&mut self) {
        let spec = self.spec;
        let seated = super::expander::seated(spec, &spec.tests, |s| &s.tests);
        for (test, seat) in seated {
            if let Some(check) = self.resolve_check(test, seat) {
                self.checks.push(check);
            }
        }
    }

    fn resolve_check(&mut self, spec: &TestSpec, seat: Option<u32>) -> Option<Check> {
        let name = self.seat_text(&spec.name, seat)?;
        if let Err(why) = check_name(&name.value, TEST_NAME_MAX) {
            self.d.push(invalid_name("test", name.span, why));
        } else if let Err(duplicate) = self.check_names.insert(&name.value, name.span) {
            self.d.push(duplicate);
        }
        let kind = self.check_kind(spec, &name, seat);
        let retries = match &spec.retries {
            None => 0,
            Some(n) => match u32::try_from(n.value) {
                Ok(n) if n <= MAX_RETRIES => n,
                _ => {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::OutOfRange,
                            n.span,
                            format!("`retries` must be between 0 and {MAX_RETRIES}"),
                        )
                        .label("out of range")
                        .help("`retries 3` tries up to four times, `delay` apart"),
                    );
                    return None;
                }
            },
        };
        let delay = self.check_duration(spec.delay.as_ref(), "delay", DEFAULT_DELAY, true);
        let timeout = self.check_duration(spec.timeout.as_ref(), "timeout", DEFAULT_TIMEOUT, false);
        Some(Check {
            name: name.value,
            seat,
            kind: kind?,
            retries,
            delay: delay?,
            timeout: timeout?,
        })
    }

    /// What the test runs: exactly one of `command`, `reach` and `port`.
    fn check_kind(
        &mut self,
        spec: &TestSpec,
        name: &Spanned<String>,
        seat: Option<u32>,
    ) -> Option<CheckKind> {
        let given: Vec<(&str, miette::SourceSpan)> = [
            spec.command.as_ref().map(|c| ("command", c.span)),
            spec.reach.as_ref().map(|r| ("reach", r.span)),
            spec.port.as_ref().map(|p| ("port", p.span)),
        ]
        .into_iter()
        .flatten()
        .collect();
        match given.as_slice() {
            [] => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        name.span,
                        format!("test `{}` has nothing to run", name.value),
                    )
                    .label("no `command`, `reach` or `port`")
                    .help(WHAT_TO_RUN),
                );
                return None;
            }
            [_] => {}
            [(first, _), rest @ ..] => {
                for (other, span) in rest {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::ConflictingSettings,
                            *span,
                            format!(
                                "a test runs one thing: `{other}` and `{first}` are both given"
                            ),
                        )
                        .label("second thing to run")
                        .help("split them into two `test` blocks"),
                    );
                }
                return None;
            }
        }
        if let Some(command) = &spec.command {
            return self.command_kind(spec, command, name, seat);
        }
        let (probe, word) = match (&spec.reach, &spec.port) {
            (Some(reach), _) => (reach, "reach"),
            (None, Some(port)) => (port, "port"),
            (None, None) => return None,
        };
        self.refuse_command_settings(spec, word);
        self.probe_kind(probe, word, seat)
    }

    fn command_kind(
        &mut self,
        spec: &TestSpec,
        command: &Spanned<String>,
        name: &Spanned<String>,
        seat: Option<u32>,
    ) -> Option<CheckKind> {
        let command = self.seat_text(command, seat)?;
        if command.value.trim().is_empty() {
            self.d.push(
                Diagnostic::new(DiagnosticCode::InvalidValue, command.span, "the command is empty")
                    .label("nothing to run")
                    .help("write the shell command line to run, e.g. `command \"systemctl is-active nginx\"`"),
            );
        }
        let Some(node) = &spec.node else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    name.span,
                    format!("test `{}` runs a command but names no `node`", name.value),
                )
                .label("`node` missing")
                .help("write the node it runs on, e.g. `node \"web-1\"`"),
            );
            return None;
        };
        let node = self.check_node(node, seat);
        let exit_code = match &spec.exit_code {
            None => Some(0),
            Some(code) => match i32::try_from(code.value) {
                Ok(c) if (0..=255).contains(&c) => Some(c),
                _ => {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::OutOfRange,
                            code.span,
                            "`exit-code` must be between 0 and 255",
                        )
                        .label("not an exit status")
                        .help("an exit status is 0 (success) to 255; the default is 0"),
                    );
                    None
                }
            },
        };
        let stdout_contains = self.optional_text(spec.stdout_contains.as_ref(), seat);
        let stderr_contains = self.optional_text(spec.stderr_contains.as_ref(), seat);
        let stdout_matches = self.pattern(spec.stdout_matches.as_ref(), "stdout-matches", seat);
        let stderr_matches = self.pattern(spec.stderr_matches.as_ref(), "stderr-matches", seat);
        if command.value.trim().is_empty() {
            return None;
        }
        Some(CheckKind::Command {
            node: node?,
            command: command.value,
            expect: Expectation {
                exit_code: exit_code?,
                stdout_contains: stdout_contains?,
                stdout_matches: stdout_matches?,
                stderr_contains: stderr_contains?,
                stderr_matches: stderr_matches?,
            },
        })
    }

    /// `node` and the expectations belong to `command`: a built-in has its own.
    fn refuse_command_settings(&mut self, spec: &TestSpec, word: &str) {
        let node = spec.node.as_ref().map(|n| ("node", n.span));
        let exit_code = spec.exit_code.as_ref().map(|n| ("exit-code", n.span));
        let texts = [
            ("stdout-contains", &spec.stdout_contains),
            ("stdout-matches", &spec.stdout_matches),
            ("stderr-contains", &spec.stderr_contains),
            ("stderr-matches", &spec.stderr_matches),
        ]
        .map(|(key, value)| value.as_ref().map(|v| (key, v.span)));
        for (key, span) in [node, exit_code].into_iter().chain(texts).flatten() {
            let help = if key == "node" {
                format!("`{word}` runs on its `from` node: write `{word} from=\"...\" to=\"...\"`")
            } else {
                format!("`{word}` passes or fails by itself; expectations go with a `command`")
            };
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::ConflictingSettings,
                    span,
                    format!("`{key}` is for a test with a `command`, not with `{word}`"),
                )
                .label(format!("not used by `{word}`"))
                .help(help),
            );
        }
    }

    fn probe_kind(
        &mut self,
        probe: &ProbeSpec,
        word: &str,
        seat: Option<u32>,
    ) -> Option<CheckKind> {
        let from = probe.from.as_ref().map(|f| self.check_node(f, seat));
        let Some(to) = &probe.to else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    probe.span,
                    format!("`{word}` needs the node it tries, `to`"),
                )
                .label("`to` missing")
                .help(if word == "reach" {
                    "write `reach from=\"web-1\" to=\"db\"`"
                } else {
                    "write `port from=\"web-1\" to=\"db\" port=5432` (without `from`: from the machine running vlab)"
                }),
            );
            return None;
        };
        let to_span = to.span;
        let to = self.check_node(to, seat);
        if word == "reach" {
            let Some(from) = from else {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        probe.span,
                        "`reach` needs the node it runs on, `from`",
                    )
                    .label("`from` missing")
                    .help("write `reach from=\"web-1\" to=\"db\"`; to try a port from the machine running vlab, use `port to=\"db\" port=22`"),
                );
                return None;
            };
            let (from, to) = (from?, to?);
            if from == to {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidValue,
                        to_span,
                        format!("`{to}` would reach itself"),
                    )
                    .label("same as `from`")
                    .help("`reach` checks that one node reaches another: name two nodes"),
                );
                return None;
            }
            return Some(CheckKind::Reach { from, to });
        }
        let port = self.check_port(probe);
        let from = match from {
            None => None,
            Some(resolved) => Some(resolved?),
        };
        Some(CheckKind::Port {
            from,
            to: to?,
            port: port?,
        })
    }

    fn check_port(&mut self, probe: &ProbeSpec) -> Option<u16> {
        let Some(port) = &probe.port else {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    probe.span,
                    "`port` needs the TCP port, `port=N`",
                )
                .label("port number missing")
                .help("write `port from=\"web-1\" to=\"db\" port=5432`"),
            );
            return None;
        };
        match u16::try_from(port.value) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::OutOfRange,
                        port.span,
                        "a TCP port is between 1 and 65535",
                    )
                    .label("not a port")
                    .help("write the port the service listens on, e.g. `port=22`"),
                );
                None
            }
        }
    }

    /// A node the check names, after `{seat}`: one the lab declares.
    fn check_node(&mut self, text: &Spanned<String>, seat: Option<u32>) -> Option<String> {
        let name = self.seat_text(text, seat)?;
        if self.node_index.contains_key(&name.value) {
            return Some(name.value);
        }
        // A node declared but not resolved was reported already.
        if !self.node_names.contains(&name.value) {
            let help = unknown_help("node", &name.value, self.node_names.names());
            self.d.push(unknown_reference("node", &name, help));
        }
        None
    }

    /// `None` after reporting a problem; `Some(None)` when the setting is absent.
    fn optional_text(
        &mut self,
        text: Option<&Spanned<String>>,
        seat: Option<u32>,
    ) -> Option<Option<String>> {
        match text {
            None => Some(None),
            Some(text) => self.seat_text(text, seat).map(|t| Some(t.value)),
        }
    }

    fn pattern(
        &mut self,
        text: Option<&Spanned<String>>,
        key: &str,
        seat: Option<u32>,
    ) -> Option<Option<OutputPattern>> {
        let Some(text) = text else {
            return Some(None);
        };
        let text = self.seat_text(text, seat)?;
        match OutputPattern::new(&text.value) {
            Ok(pattern) => Some(Some(pattern)),
            Err(why) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidValue,
                        text.span,
                        format!("`{key}` is not a regular expression: {why}"),
                    )
                    .label("invalid pattern")
                    .help(format!(
                        "write a regular expression (`^` and `$` match at each line), e.g. \
                         `{key} \"^active$\"`; a raw string `#\"...\"#` keeps backslashes as written"
                    )),
                );
                None
            }
        }
    }

    /// `delay` (may be `0s`) or `timeout`: a duration as for an image's `ready`.
    fn check_duration(
        &mut self,
        text: Option<&Spanned<String>>,
        key: &str,
        default: Duration,
        zero_allowed: bool,
    ) -> Option<Duration> {
        let Some(text) = text else {
            return Some(default);
        };
        if zero_allowed && text.value == "0s" {
            return Some(Duration::ZERO);
        }
        let parsed = parse_duration(&text.value);
        if parsed.is_none() {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidValue,
                    text.span,
                    format!("`{}` is not a duration", text.value),
                )
                .label("expected a number and s, m or h")
                .help(format!(
                    "write a whole number of seconds, minutes or hours, e.g. `{key} \"2s\"`, `\"5m\"` or `\"1h\"`{}",
                    if zero_allowed { " (`\"0s\"`: no pause)" } else { "" }
                )),
            );
        }
        parsed
    }

    /// `text` with `{seat}` expanded for `seat` (a test has no `count`: `{index` is left as
    /// written, so a shell command may hold braces of its own).
    fn seat_text(&mut self, text: &Spanned<String>, seat: Option<u32>) -> Option<Spanned<String>> {
        match index_template::expand_seat(&text.value, seat) {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err(why) => {
                let help = if seat.is_none() {
                    "declare the test inside `seats N { ... }`, or remove the placeholder"
                } else {
                    "write `{seat}`, `{seat+N}`, `{seat-N}` or `{seat:02}`"
                };
                self.d.push(
                    Diagnostic::new(DiagnosticCode::InvalidPlaceholder, text.span, why)
                        .label("bad placeholder")
                        .help(help),
                );
                None
            }
        }
    }
}
