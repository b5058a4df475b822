//! Template variables: KDL values to JSON values, with `{seat}` and `{index}` expanded in strings, and
//! the check of `user`, the name of the user the built-in user-data creates.

use super::Resolver;
use super::expander::Instance;
use crate::lab::Variable;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spec::VarSpec;
use kdl::KdlValue;
use std::collections::BTreeMap;

impl Resolver<'_> {
    pub(super) fn convert_vars(
        &mut self,
        vars: &[VarSpec],
        at: Instance,
    ) -> BTreeMap<String, Variable> {
        let mut out = BTreeMap::new();
        for var in vars {
            let value = match &var.value.value {
                KdlValue::String(s) => {
                    let text = crate::language::spanned::Spanned::new(s.clone(), var.value.span);
                    match self.expand(&text, at) {
                        Some(expanded) => serde_json::Value::String(expanded.value),
                        None => continue,
                    }
                }
                KdlValue::Integer(i) => match i64::try_from(*i) {
                    Ok(i) => serde_json::Value::from(i),
                    Err(_) => serde_json::Value::String(i.to_string()),
                },
                KdlValue::Float(f) => serde_json::Number::from_f64(*f)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                KdlValue::Bool(b) => serde_json::Value::Bool(*b),
                KdlValue::Null => serde_json::Value::Null,
            };
            if var.name.value == "user"
                && let Err(why) = check_user_name(&value)
            {
                // A diagnostic never shows a secret's value.
                let why = if var.secret {
                    "the (secret) value is not a Unix user name".to_string()
                } else {
                    why
                };
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidName,
                        var.value.span,
                        format!("invalid user name: {why}"),
                    )
                    .label("not a Unix user name")
                    .help(
                        "`user` names the user vlab creates in every guest: 1 to 32 lowercase \
                         letters, digits, `_` and `-`, starting with a letter or `_` (not `root`)",
                    ),
                );
            }
            out.insert(
                var.name.value.clone(),
                Variable {
                    value,
                    secret: var.secret,
                },
            );
        }
        out
    }
}

/// Why `value` cannot be the default user's name: it must be a string that is a portable
/// Unix user name (`^[a-z_][a-z0-9_-]{0,31}$`, as `useradd` accepts by default), other than
/// `root`, which every guest has already (and which cloud-init does not create).
pub fn check_user_name(value: &serde_json::Value) -> Result<(), String> {
    let Some(name) = value.as_str() else {
        return Err(format!("`user` must be a string, found {value}"));
    };
    let shown = serde_json::Value::String(name.to_string());
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > 32 {
        return Err(format!("{shown} is not a Unix user name"));
    }
    if name == "root" {
        return Err("`root` exists in every guest; vlab creates a user of its own".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_user_name;
    use serde_json::json;

    #[test]
    fn user_names() {
        for ok in ["vlab", "bob", "_svc", "a-b_c9", &"a".repeat(32)] {
            assert_eq!(check_user_name(&json!(ok)), Ok(()), "{ok}");
        }
        for bad in [
            json!(""),
            json!("Bob"),
            json!("9lives"),
            json!("-x"),
            json!("bob\nruncmd: [touch /pwned]"),
            json!("a b"),
            json!("bob:x"),
            json!("a".repeat(33)),
            json!("root"),
            json!(5),
            json!(null),
        ] {
            assert!(check_user_name(&bad).is_err(), "{bad}");
        }
    }
}
