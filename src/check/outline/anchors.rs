//! The anchors mdBook gives headings.

use std::collections::{HashMap, HashSet};

/// Anchors as mdBook makes them: unique within the chapter by a numeric suffix.
pub(super) fn unique_anchors(ids: impl Iterator<Item = String>) -> Vec<String> {
    let (mut used, mut next_suffix) = (HashSet::new(), HashMap::new());
    ids.map(|id| unique_id(&id, &mut used, &mut next_suffix)).collect()
}

/// mdBook's `unique_id`: the id, or the first free `id-1`, `id-2`, … The next suffix to try is remembered per
/// id, so that many equal headings stay linear (the set only grows, so skipped suffixes stay taken).
fn unique_id(id: &str, used: &mut HashSet<String>, next_suffix: &mut HashMap<String, usize>) -> String {
    if used.insert(id.to_string()) {
        return id.to_string();
    }
    let next = next_suffix.entry(id.to_string()).or_insert(1);
    loop {
        let candidate = format!("{id}-{next}");
        *next += 1;
        if used.insert(candidate.clone()) {
            return candidate;
        }
    }
}

/// mdBook's `id_from_content`: lower-case; letters, digits, `_` and `-` kept; whitespace to `-`; the rest dropped.
pub fn anchor_of(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Chapter;
    use crate::check::outline::parse_chapter;

    fn chapter(content: &str) -> Chapter<'_> {
        Chapter { title: "T".into(), source_path: Some("src/t.md".into()), content: content.into(), depth: 0 }
    }

    #[test]
    fn duplicate_headings_get_suffixes() {
        let c = chapter("# A\n\n## 市场\n\n## 市场\n\n## 市场-1\n\n## 市场\n");
        let doc = parse_chapter(&c);
        let anchors: Vec<&str> = (0..doc.headings.len()).map(|i| doc.anchor(i)).collect();
        assert_eq!(anchors, ["a", "市场", "市场-1", "市场-1-1", "市场-2"]);
    }

    #[test]
    fn anchors_follow_mdbook() {
        assert_eq!(anchor_of("中文標題 CJK title"), "中文標題-cjk-title");
        assert_eq!(anchor_of("Market: Competition!"), "market-competition");
    }
}
