//! Titles without their numbering (`一、`, `(二)`, `3.`, `第一章`, `Chapter 3`).

use std::sync::LazyLock;

use regex::Regex;

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:",
        r"第[一二三四五六七八九十百千零〇两[0-9]]+[章节部分篇条项步][\s:：、.．]*",
        r"|[(（][一二三四五六七八九十百千零〇[0-9]]+[)）][\s、.．]*",
        r"|[一二三四五六七八九十百千零〇]+\s*[、.．]\s*",
        r"|[0-9]+(?:\.[0-9]+)*\s*[、)）]\s*",
        r"|[0-9]+(?:\.[0-9]+)+\s+",
        r"|[0-9]+(?:\.[0-9]+)*[.．]\s*",
        r"|[0-9]{1,2}\s+",
        r"|(?i:chapter|section|part|step)\s+(?:[0-9]+|[ivxlcdm]+)(?-u:\b)[\s.:：\-—–]*",
        r"|[IVXLCDM]+\.\s+",
        r"|[A-Za-z][.)]\s+",
        r")",
    ))
    .expect("static regex")
});

/// Removes numbering such as `一、` `(二)` `(二)` `3.` `2.1` `第一章` `Chapter 3` from the start of a title.
pub fn strip_numbering(text: &str) -> &str {
    let mut rest = text.trim();
    // Most titles start with none of the characters numbering starts with: skip the regex for them.
    let may_be_numbered =
        rest.starts_with(|c: char| c.is_ascii_alphanumeric() || "第(（一二三四五六七八九十百千零〇".contains(c));
    if !may_be_numbered {
        return rest;
    }
    for _ in 0..2 {
        let Some(found) = NUMBERING.find(rest) else { break };
        let after = &rest[found.end()..];
        // "3.5% growth" is a figure, not the number 3.
        if after.starts_with(|c: char| c.is_ascii_digit() || c == '%') || after.trim().is_empty() {
            break;
        }
        rest = after.trim_start();
    }
    rest
}

/// Compiles the numbering pattern now (see [`crate::engine::warm_up`]).
pub(super) fn compile_patterns() {
    LazyLock::force(&NUMBERING);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_removed() {
        for (text, expected) in [
            ("一、工作总结", "工作总结"),
            ("(二)业绩回顾", "业绩回顾"),
            ("\u{ff08}二\u{ff09}业绩回顾", "业绩回顾"),
            ("(三)问题分析", "问题分析"),
            ("3. Problems", "Problems"),
            ("2.1 市场端", "市场端"),
            ("第一章 引言", "引言"),
            ("Chapter 3: Strategy", "Strategy"),
            ("1.市场竞争", "市场竞争"),
            ("3.5% growth", "3.5% growth"),
            ("2024年作战计划", "2024年作战计划"),
        ] {
            assert_eq!(strip_numbering(text), expected, "{text}");
        }
    }
}
