//! `{index}` substitution for resources replicated with `count=N`, and `{seat}` for those
//! declared in a `seats` block.
//!
//! Forms: `{index}`, `{index+N}`, `{index-N}`, each with an optional zero-pad width
//! (`{index:02}`, `{index+10:03}`); `{seat}` takes the same forms (`{seat:02}`). Only text
//! starting with `{index` or `{seat` is a placeholder; other braces pass through untouched,
//! so Tera syntax in variables is safe. Indexes and seats start at 1. Where a resource sits
//! (in `seats`, with `count`) is the resolver's to know; this module only substitutes.

/// Replaces every `{index...}` in `text` with the value for `index`.
///
/// `index` is `None` for a resource without `count`, where a placeholder is an error.
pub fn expand(text: &str, index: Option<u32>) -> Result<String, String> {
    expand_key(text, "index", index, "in a resource with `count`")
}

/// Replaces every `{seat...}` in `text` with the value for `seat`.
///
/// `seat` is `None` for a resource outside `seats`, where a placeholder is an error.
pub fn expand_seat(text: &str, seat: Option<u32>) -> Result<String, String> {
    expand_key(text, "seat", seat, "inside a `seats` block")
}

/// Whether `text` holds a `{seat...}` placeholder (well formed or not).
pub fn has_seat(text: &str) -> bool {
    text.contains("{seat")
}

/// Replaces every `{<key>...}` in `text` with the forms of `value`; `allowed` says where a
/// placeholder may be, for the error when `value` is `None`.
fn expand_key(text: &str, key: &str, value: Option<u32>, allowed: &str) -> Result<String, String> {
    let open = format!("{{{key}");
    if !text.contains(&open) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        let Some(end) = after.find('}') else {
            return Err(format!("`{open}` is not closed with `}}`"));
        };
        let Some(value) = value else {
            return Err(format!("`{open}}}` is only allowed {allowed}"));
        };
        out.push_str(&render(key, &after[..end], value)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What a counted name stands for without its index: `template` with every `{index...}`
/// placeholder taken out, runs of `-` made one, and `-` trimmed from both ends
/// (`web-{index}` -> `web`, `r{index}` -> `r`, `seat-{index:02}-pc` -> `seat-pc`,
/// `{index}-x` -> `x`). `None` when nothing is left, or for a malformed placeholder.
pub fn base_name(template: &str) -> Option<String> {
    let mut kept = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{index") {
        kept.push_str(&rest[..start]);
        let end = rest[start..].find('}')?;
        rest = &rest[start + end + 1..];
    }
    kept.push_str(rest);
    let mut out = String::with_capacity(kept.len());
    for c in kept.chars() {
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let out = out.trim_end_matches('-');
    (!out.is_empty()).then(|| out.to_string())
}

/// Renders the inside of one placeholder (after `{index` or `{seat`, before `}`).
fn render(key: &str, spec: &str, index: u32) -> Result<String, String> {
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
                "`{{{key}{spec}}}` is not a placeholder; write `{{{key}}}`, `{{{key}+N}}` or `{{{key}:02}}`"
            ));
        }
    };
    match value {
        Some(v) if v >= 0 => Ok(format!("{v:0width$}")),
        _ => Err(format!("`{{{key}{spec}}}` is negative for {key} {index}")),
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
    fn base_names() {
        let cases = [
            ("web-{index}", Some("web")),
            ("r{index}", Some("r")),
            ("seat-{index:02}-pc", Some("seat-pc")),
            ("{index}-x", Some("x")),
            ("a-{index}-{index+1}-b", Some("a-b")),
            ("plain", Some("plain")),
            ("{index}", None),
            ("{index}-{index}", None),
            ("web-{index", None),
        ];
        for (template, want) in cases {
            assert_eq!(base_name(template).as_deref(), want, "{template}");
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

    #[test]
    fn seats_take_the_same_forms() {
        assert_eq!(
            expand_seat("pc-{seat}-{index}", Some(3)).as_deref(),
            Ok("pc-3-{index}")
        );
        assert_eq!(
            expand_seat("10.10.{seat+100}.{seat:02}", Some(7)).as_deref(),
            Ok("10.10.107.07")
        );
        assert_eq!(
            expand_seat("pc-{seat}", None),
            Err("`{seat}` is only allowed inside a `seats` block".into())
        );
        assert!(expand_seat("pc-{seatx}", Some(1)).is_err());
        assert!(expand_seat("pc-{seat-2}", Some(1)).is_err());
        assert!(has_seat("a-{seat:02}") && !has_seat("a-{index}"));
    }
}
