//! One CSV field for reports that people open in spreadsheets.

/// Formats `s` as one CSV field that is safe to open in a spreadsheet.
///
/// A field that a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return: a username typed at a login form, a
/// file named `=HYPERLINK(…)`, a bank label) is prefixed with an apostrophe,
/// OWASP's advice; so is a field that already starts with an apostrophe, so
/// that one leading apostrophe can always be taken off again to get the value
/// back. Then RFC 4180: quoted when it holds a comma, quote or line break,
/// with quotes doubled.
///
/// ```
/// use lifeguard_core::csv_field;
/// assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(csv_field("a,b"), "\"a,b\"");
/// assert_eq!(csv_field("casey"), "casey");
/// ```
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a/b.jpg"), "a/b.jpg");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn fields_a_spreadsheet_would_run_are_defused() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("\rx"), "\"'\rx\"");
        // A leading apostrophe is doubled, so the prefix comes off unambiguously.
        assert_eq!(csv_field("'=x"), "''=x");
        assert_eq!(csv_field("a=b"), "a=b");
    }
}
