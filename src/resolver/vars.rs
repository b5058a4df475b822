//! Template variables: KDL values to JSON values, with `{index}` expanded in strings.

use super::Resolver;
use crate::lab::Variable;
use crate::language::spec::VarSpec;
use kdl::KdlValue;
use std::collections::BTreeMap;

impl Resolver<'_> {
    pub(super) fn convert_vars(
        &mut self,
        vars: &[VarSpec],
        index: Option<u32>,
    ) -> BTreeMap<String, Variable> {
        let mut out = BTreeMap::new();
        for var in vars {
            let value = match &var.value.value {
                KdlValue::String(s) => {
                    let text = crate::language::spanned::Spanned::new(s.clone(), var.value.span);
                    match self.expand(&text, index) {
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
