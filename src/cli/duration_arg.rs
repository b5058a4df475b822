//! Durations as flags take them (`--timeout 10m`, `--older-than 30d`): a whole number and a
//! unit, `s`, `m`, `h`, `d` or `w`.

/// `30d`, `12h`, `45m`, `90s` in seconds; `None` for anything else.
pub fn seconds(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn units() {
        assert_eq!(seconds("90s"), Some(90));
        assert_eq!(seconds("10m"), Some(600));
        assert_eq!(seconds("2h"), Some(7200));
        assert_eq!(seconds("30d"), Some(2_592_000));
        assert_eq!(seconds("10"), None);
        assert_eq!(seconds("m"), None);
        assert_eq!(seconds("5y"), None);
    }
}
