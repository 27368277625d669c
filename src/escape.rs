//! Escaping of text that came from the input, for each place it can land.
//!
//! Company names, ids and industries are attacker-controlled in a rating service:
//! a name can hold terminal escape sequences, or start with `=` and run as a
//! spreadsheet formula. JSON is escaped by serde_json; the rest is escaped here.

use std::borrow::Cow;

/// Characters that change how a terminal shows text: C0/C1 controls, DEL, and the
/// Unicode bidirectional and zero-width format characters.
pub(crate) fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Text safe to print on a terminal: unsafe characters become visible `\u{..}` escapes.
pub fn terminal(s: &str) -> Cow<'_, str> {
    visible(s, is_unsafe_for_terminal)
}

/// `s` with each character `hidden` picks written as a visible `\u{..}` escape.
fn visible(s: &str, hidden: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV cell a spreadsheet will not evaluate and a terminal will not obey:
/// control characters (but tab and line feed, which the CSV writer quotes) become
/// visible `\u{..}` escapes, and cells starting with `=`, `+`, `-`, `@` (or a tab,
/// which some spreadsheets skip before a formula) get a leading `'`. Bidirectional
/// and zero-width characters are text in a data file and are kept. Quoting is left
/// to the CSV writer.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let s = visible(s, |c| c.is_control() && c != '\t' && c != '\n');
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t') => Cow::Owned(format!("'{s}")),
        _ => s,
    }
}

/// Text for HTML or SVG element content or a quoted attribute. Control, bidi and
/// zero-width characters become visible `\u{..}` text: XML forbids most controls
/// outright (an SVG holding one does not render), and a browser would obey a bidi
/// override as a terminal does.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '>', '&', '"', '\'']) && !s.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe_for_terminal(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_visible() {
        assert_eq!(terminal("Acme"), "Acme");
        assert_eq!(terminal("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal("evil\u{202E}txt"), "evil\\u{202e}txt");
        assert_eq!(terminal("line\nbreak"), "line\\u{a}break");
    }

    #[test]
    fn csv_formulas_are_defused() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Acme = good"), "Acme = good");
        // Controls are made visible, then the formula guard applies.
        assert_eq!(csv_cell("a\x1b[2Jb\rc"), "a\\u{1b}[2Jb\\u{d}c");
        assert_eq!(csv_cell("\r=1"), "\\u{d}=1");
        assert_eq!(csv_cell("tab\tand\nline"), "tab\tand\nline");
        assert_eq!(csv_cell("ب\u{200f}"), "ب\u{200f}");
    }

    #[test]
    fn html_specials_are_escaped() {
        assert_eq!(html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(html("a\x1b\u{202e}<"), "a\\u{1b}\\u{202e}&lt;");
    }
}
