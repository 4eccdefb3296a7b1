//! SARIF 2.1.0. (Placeholder.)

use super::Diagnostic;

pub fn render(_diagnostics: &[Diagnostic]) -> String {
    String::new()
}
