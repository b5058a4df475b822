//! The authority of a host URI, `[user@]host[:port]`, held to plain names: libvirt hands the
//! user and server to `ssh` (older releases without a `--` before the host), and libxml2
//! percent-decodes both, so anything but letters, digits, `.`, `-` and `_` is refused.
//!
//! Checking only: `HostUri` keeps the authority as written.

/// `[user@]host[:port]` with nothing `ssh` could read as an option and nothing libxml2
/// would percent-decode: letters, digits, `.`, `-` and `_`, an IPv6 address in brackets.
pub(super) fn check_authority(authority: &str) -> Result<(), (String, &'static str)> {
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with(['-', '.'])
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    let (user, host_port) = match authority.split_once('@') {
        Some((user, rest)) => (Some(user), rest),
        None => (None, authority),
    };
    if let Some(user) = user.filter(|u| !plain(u)) {
        return Err((
            format!("`{user}` is not a plain user name"),
            "a user name has letters, digits, `.`, `-` and `_`, and does not start with `-`",
        ));
    }
    let port = if let Some(v6) = host_port.strip_prefix('[') {
        let Some((address, after)) = v6.split_once(']') else {
            return Err((
                "an IPv6 address without its `]`".into(),
                "write `[2001:db8::1]`",
            ));
        };
        if address.is_empty()
            || !address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
        {
            return Err((
                format!("`[{address}]` is not an IPv6 address"),
                "write `[2001:db8::1]`",
            ));
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => {
                    return Err((
                        format!("`{after}` after an IPv6 address"),
                        "write `[2001:db8::1]:16514`",
                    ));
                }
            },
        }
    } else {
        let (host, port) = match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        if !plain(host) {
            return Err((
                format!("`{host}` is not a plain host name"),
                "a host is a DNS name or an IPv4 address (letters, digits, `.`, `-`, `_`, not starting with `-`), or an IPv6 address in brackets",
            ));
        }
        port
    };
    if let Some(port) = port
        && !(port.chars().all(|c| c.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Err((
            format!("`{port}` is not a port number"),
            "a port is a number from 1 to 65535",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_server_names_are_plain() {
        for text in [
            "-oProxyCommand=evil",
            "root@-oProxyCommand=evil",
            "-l@box",
            "%2Doops@box",
            "box%2F",
            "root:secret@box",
            "a@b@box",
            "root@",
            "box:+22",
            "box:0",
            "box:65536",
            "[fe80::1%eth0]",
            "[::1",
            ".box",
        ] {
            let e = check_authority(text).expect_err(text);
            assert!(!e.1.is_empty(), "{text}: {}", e.0);
        }
        for text in [
            "root@box",
            "box:22",
            "kvm_2.example.net",
            "[2001:db8::1]:16514",
            "10.0.0.1",
        ] {
            assert_eq!(check_authority(text), Ok(()), "{text}");
        }
    }
}
