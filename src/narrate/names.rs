//! Names in a directive: a metric, dimension or member may be named by its id or by its label in any locale
//! (`<<#kpi 营收 region=华东 q4 vs q3>>`), when the label names one thing. An id always wins over a label; a
//! label that several share is an error naming their ids.

use std::borrow::Cow;

use super::Failure;
use crate::config::Locale;
use crate::data::{DataSet, Label};
use crate::directive::{Comparand, Directive, Filter, Spanned};
use crate::rules::Rule;

/// The directive with every name given by a label replaced by its id; names that are neither are left for
/// the computation to report (with its did-you-mean).
pub fn resolve<'d>(data: &DataSet, directive: &'d Directive, locale: Locale) -> Result<Cow<'d, Directive>, Failure> {
    let mut resolved = Cow::Borrowed(directive);
    // Ids are looked up by key first: the common directive names everything by id and costs no scan.
    if !data.metrics.contains_key(&directive.metric.value) {
        let metrics = data.metrics.values().map(|m| (m.id.as_str(), &m.label));
        if let Some(id) = by_label(&directive.metric, metrics, Rule::KpiUnknownMetric, "metrics", locale)? {
            resolved.to_mut().metric.value = id;
        }
    }
    for index in 0..directive.filters.len() {
        if let Some(filter) = resolve_filter(data, &directive.filters[index], locale)? {
            resolved.to_mut().filters[index] = filter;
        }
    }
    if let Some(Spanned { value: Comparand::Member(filter), .. }) = &directive.comparand
        && let Some(filter) = resolve_filter(data, filter, locale)?
        && let Some(Spanned { value: Comparand::Member(slot), .. }) = &mut resolved.to_mut().comparand
    {
        *slot = filter;
    }
    if let Some(by) = &directive.by
        && let Some(id) = dimension_by_label(data, &by.dimension, locale)?
        && let Some(slot) = &mut resolved.to_mut().by
    {
        slot.dimension.value = id;
    }
    Ok(resolved)
}

fn dimension_by_label(data: &DataSet, name: &Spanned<String>, locale: Locale) -> Result<Option<String>, Failure> {
    if data.dimensions.contains_key(&name.value) {
        return Ok(None);
    }
    let dimensions = data.dimensions.values().map(|d| (d.id.as_str(), &d.label));
    by_label(name, dimensions, Rule::KpiUnknownDimension, "dimensions", locale)
}

/// `DIM=MEMBER` with both named by id; `None` when both already were.
fn resolve_filter(data: &DataSet, filter: &Filter, locale: Locale) -> Result<Option<Filter>, Failure> {
    let dimension_id = dimension_by_label(data, &filter.dimension, locale)?;
    let id = dimension_id.as_deref().unwrap_or(&filter.dimension.value);
    let member_id = match data.dimensions.get(id) {
        Some(dimension) if dimension.members.contains_key(&filter.member.value) => None,
        Some(dimension) => {
            let members = dimension.members.iter().map(|(id, label)| (id.as_str(), label));
            by_label(&filter.member, members, Rule::KpiUnknownMember, "members", locale)?
        }
        None => None,
    };
    if dimension_id.is_none() && member_id.is_none() {
        return Ok(None);
    }
    let mut filter = filter.clone();
    if let Some(id) = dimension_id {
        filter.dimension.value = id;
    }
    if let Some(id) = member_id {
        filter.member.value = id;
    }
    Ok(Some(filter))
}

/// The id whose label (in any locale) is `name`, when `name` is no id itself; an error when several share it.
fn by_label<'a>(
    name: &Spanned<String>,
    items: impl Iterator<Item = (&'a str, &'a Label)> + Clone,
    rule: Rule,
    kind: &str,
    locale: Locale,
) -> Result<Option<String>, Failure> {
    if items.clone().any(|(id, _)| id == name.value) {
        return Ok(None);
    }
    let has_label = |label: &Label| {
        label.any.as_deref() == Some(name.value.as_str()) || label.by_locale.values().any(|text| *text == name.value)
    };
    let ids: Vec<&str> = items.filter(|(_, label)| has_label(label)).map(|(id, _)| id).collect();
    match ids.as_slice() {
        [] => Ok(None),
        [id] => Ok(Some((*id).to_string())),
        _ => {
            let listed: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            Err(Failure::new(
                rule,
                name.span.clone(),
                format!("`{}` is the label of {} {kind}: {}", name.value, ids.len(), listed.join(", ")),
            )
            .with_help(Some(match locale {
                Locale::ZhCn => format!("用id指明其中一个，如`{}`", ids[0]),
                Locale::En => format!("name one of them by its id, as in `{}`", ids[0]),
            })))
        }
    }
}
