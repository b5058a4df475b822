//! `{index}` substitution for resources replicated with `count=N`.
//!
//! Forms: `{index}`, `{index+N}`, `{index-N}`, each with an optional zero-pad width
//! (`{index:02}`, `{index+10:03}`). Only text starting with `{index` is a placeholder; other
//! braces pass through untouched, so Tera syntax in variables is safe. Indexes start at 1.

/// Replaces every `{index...}` in `text` with the value for `index`.
///
/// `index` is `None` for a resource without `count`, where a placeholder is an error.
pub fn expand(text: &str, index: Option<u32>) -> Result<String, String> {
    if !text.contains("{index") {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(start) = rest.find("{index") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{index".len()..];
        let Some(end) = after.find('}') else {
            return Err("`{index` is not closed with `}`".into());
        };
        let Some(index) = index else {
            return Err("`{index}` is only allowed in a resource with `count`".into());
        };
        out.push_str(&render(&after[..end], index)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders the inside of one placeholder (after `{index`, before `}`).
fn render(spec: &str, index: u32) -> Result<String, String> {
    let (arith, width) = match spec.split_once(':') {
        Some((arith, width)) => {
            let width: usize = width
                .parse()
                .ok()
                .filter(|w| *w <= 16)
                .ok_or_else(|| format!("`{width}` is not a pad width (a number up to 16)"))?;
            (arith, width)
        }
        None => (spec, 0),
    };
    let value = match arith.chars().next() {
        None => Some(i64::from(index)),
        Some(sign @ ('+' | '-')) => {
            let offset: i64 = arith[1..]
                .parse()
                .map_err(|_| format!("`{}` is not a number", &arith[1..]))?;
            let offset = if sign == '-' { -offset } else { offset };
            i64::from(index).checked_add(offset)
        }
        Some(_) => {
            return Err(format!(
                "`{{index{spec}}}` is not a placeholder; write `{{index}}`, `{{index+N}}` or `{{index:02}}`"
            ));
        }
    };
    match value {
        Some(v) if v >= 0 => Ok(format!("{v:0width$}")),
        _ => Err(format!("`{{index{spec}}}` is negative for index {index}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_forms() {
        let cases = [
            ("web-{index}", 3, "web-3"),
            ("10.0.0.{index+10}", 3, "10.0.0.13"),
            ("10.0.{index-1}.0/24", 1, "10.0.0.0/24"),
            ("seat-{index:02}", 7, "seat-07"),
            ("h{index+100:04}x{index}", 2, "h0102x2"),
            ("{{ tera }}", 1, "{{ tera }}"),
        ];
        for (text, index, want) in cases {
            assert_eq!(expand(text, Some(index)).as_deref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn errors() {
        assert!(expand("web-{index}", None).is_err());
        assert!(expand("web-{index", Some(1)).is_err());
        assert!(expand("web-{indexx}", Some(1)).is_err());
        assert!(expand("web-{index+a}", Some(1)).is_err());
        assert!(expand("web-{index-5}", Some(1)).is_err());
        assert!(expand("web-{index:x}", Some(1)).is_err());
        assert_eq!(expand("plain", None).as_deref(), Ok("plain"));
    }
}
