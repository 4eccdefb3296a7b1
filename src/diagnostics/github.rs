//! GitHub Actions workflow commands. (Placeholder.)

use super::Diagnostic;

pub fn render(_diagnostics: &[Diagnostic]) -> String {
    String::new()
}
