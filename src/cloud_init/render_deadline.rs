//! `RenderDeadline`: a lab's own template rendered with a time limit.
//!
//! Templates are programs: `{% for i in range(end=100000) %}` nested a few deep takes hours,
//! and Tera has no way to stop a render. A lab from a stranger must not hold a CI job until
//! its timeout, so each template the lab brings is rendered on a thread of its own, and one
//! that is not done after `LIMIT` is an error naming the template. The thread cannot be
//! stopped: it runs on until the command, which stops with that error, exits. The built-in
//! templates have no loops over lab values that could run away and render in place. Memory
//! is not bounded here: a template that doubles a string in a loop makes the allocator
//! abort the process (docs/security.md).

use super::render_error::RenderError;
use std::sync::mpsc;
use std::time::Duration;

/// How long one lab template may take to render; real ones take milliseconds.
pub const LIMIT: Duration = Duration::from_secs(5);

/// `render_template` for a lab's own template, stopped at `LIMIT`.
pub fn render(
    node: &str,
    label: &str,
    source: String,
    context: &serde_json::Value,
) -> Result<String, RenderError> {
    let (send, receive) = mpsc::channel();
    let (node_name, template, context) = (node.to_string(), label.to_string(), context.clone());
    let spawned = std::thread::Builder::new()
        .name("vlab-template".into())
        .spawn(move || {
            let _ = send.send(super::render_template(
                &node_name, &template, &source, &context,
            ));
        });
    let timed_out = || RenderError {
        template: label.to_string(),
        node: node.to_string(),
        line: None,
        message: format!(
            "the template did not finish rendering within {} s",
            LIMIT.as_secs()
        ),
        help: Some(
            "a template's loops must end quickly: look for large `range`s or nested loops".into(),
        ),
    };
    if let Err(e) = spawned {
        return Err(RenderError {
            message: format!("cannot start a thread to render the template: {e}"),
            help: None,
            ..timed_out()
        });
    }
    match receive.recv_timeout(LIMIT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(timed_out()),
        // The render panicked (a Tera bug): the panic hook reported it already.
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(RenderError {
            message: "rendering the template failed inside Tera".into(),
            help: None,
            ..timed_out()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_template_renders_and_a_runaway_one_is_stopped() {
        let context = serde_json::json!({"x": 1});
        assert_eq!(
            render("a", "t", "{{ x }}".into(), &context).expect("renders"),
            "1"
        );
        let runaway = "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% for c in range(end=100000) %}.{% endfor %}{% endfor %}{% endfor %}";
        let started = std::time::Instant::now();
        let error = render("a", "loops.tera", runaway.into(), &context).expect_err("stopped");
        assert!(started.elapsed() < LIMIT + Duration::from_secs(55));
        assert!(
            error.message.contains("did not finish rendering"),
            "{error}"
        );
        assert_eq!(error.template, "loops.tera");
    }
}
