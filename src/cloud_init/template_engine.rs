//! `TemplateEngine`: the Tera instance cloud-init templates are rendered with, holding
//! nothing of the machine that plans.
//!
//! Tera registers `get_env` whatever its features: with it, a template from a stranger's lab
//! read the planning machine's environment (a CI job's tokens) and printed it, for example
//! through `throw` into the error a `vlab plan` shows in a public CI log. Here `get_env` is
//! replaced by a function that refuses; the values a template sees are the lab's own
//! (docs/cloud-init.md). Tera offers no other way out: `include`, `import` and `extends` only
//! reach templates registered on the instance, and vlab registers one per render.
//! This module builds the engine; it does not render or read template files.

use std::collections::HashMap;

/// An empty Tera with the environment out of reach.
pub fn engine() -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.register_function("get_env", refuse_env);
    tera
}

fn refuse_env(_: &HashMap<String, serde_json::Value>) -> tera::Result<serde_json::Value> {
    Err(tera::Error::msg(
        "templates cannot read vlab's environment (`get_env`); pass the value as a `vars` entry of the lab",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_env_is_refused_and_the_value_never_appears() {
        // PATH is set in every test process: its value must not come out.
        let path = std::env::var("PATH").expect("PATH is set");
        for source in [
            "{{ get_env(name=\"PATH\") }}",
            "{{ get_env(name=\"PATH\", default=\"x\") }}",
            "{{ throw(message=get_env(name=\"PATH\")) }}",
        ] {
            let mut tera = engine();
            tera.add_raw_template("t", source).expect("parses");
            let error = tera
                .render("t", &tera::Context::new())
                .expect_err("get_env is refused");
            let mut text = error.to_string();
            let mut cause = std::error::Error::source(&error);
            while let Some(c) = cause {
                text.push_str(&c.to_string());
                cause = c.source();
            }
            assert!(!text.contains(&path), "{source}: {text}");
            assert!(text.contains("cannot read vlab's environment"), "{text}");
        }
    }
}
