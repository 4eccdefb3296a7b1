//! "Did you mean …?" for unknown names.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name_lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(&name_lower, &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// A help line: "did you mean `x`?", or the list of what is known when nothing is close.
pub fn help_for<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> Option<String> {
    if let Some(best) = did_you_mean(name, candidates.clone()) {
        return Some(format!("did you mean `{best}`?"));
    }
    let known: Vec<&str> = candidates.into_iter().take(12).collect();
    (!known.is_empty())
        .then(|| format!("known: {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("revnue", ["revenue", "headcount"]), Some("revenue"));
        assert_eq!(did_you_mean("zzz", ["revenue", "headcount"]), None);
        assert_eq!(help_for("zzz", ["a", "b"]).unwrap(), "known: `a`, `b`");
    }
}
