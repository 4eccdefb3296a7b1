//! The book folder (book.toml, SUMMARY.md, chapters, data) and the JSON mdBook sends a preprocessor for it, in
//! both dialects: 0.4 (`sections`, `__non_exhaustive`) and 0.5 (`items`, a context with nulls). The JSON is
//! byte-for-byte what `mdbook build` writes to the preprocessor's stdin for this book.toml (`bench/run.sh`
//! checks that against the real binaries when they are installed).

use serde_json::{Value, json};

use crate::model::{METRICS, Shape};
use crate::prose::{self, Module};
use crate::rng::Rng;

pub struct Options {
    pub chapters: usize,
    pub directives: usize,
    pub words: usize,
    pub seed: u64,
}

pub struct Chapter {
    pub name: String,
    /// Relative to `src/`, with `/`.
    pub path: String,
    pub content: String,
    pub sub_chapters: Vec<Chapter>,
}

pub const TITLE: &str = "2024年度销售总结 Sales year in review";
pub const DATA_FILES: [&str; 2] = ["data/kpi.toml", "data/facts.csv"];

const MODULES: [(Module, &str, &str); 5] = [
    (Module::Introduction, "引言 Introduction", "intro"),
    (Module::Review, "业绩回顾 Performance review", "review"),
    (Module::Problems, "问题分析 Problem analysis", "problems"),
    (Module::Strategy, "策略优化 Strategy", "strategy"),
    (Module::Plan, "未来规划 Plan", "plan"),
];

/// The sub-chapters that cover each module's required parts, first under their module.
fn part_titles(module: Module) -> &'static [&'static str] {
    match module {
        Module::Introduction => &[],
        Module::Review => &["产品线 Product lines", "区域与团队 Regions and teams", "客户生命周期 Customer lifecycle"],
        Module::Problems => {
            &["市场端:竞争与渠道 (market side)", "团队端:人员与梯队 (team side)", "流程端:审批与交付 (process side)"]
        }
        Module::Strategy => &[
            "市场端:2025年Q1前渠道伙伴数量增长20%",
            "团队端:2025年Q2前新人首单转化率增长15%",
            "流程端:2025年3月底前审批时效增长30%",
        ],
        Module::Plan => &[
            "业绩目标:2025年Q4前营收增长15% (Targets)",
            "资源需求:2025年Q1前销售人数增长10% (Resources)",
            "风险预案:2025年Q2前回款准时率增长10% (Risks)",
        ],
    }
}

/// A title for the `index`-th extra sub-chapter of a module (no module title inside, see `prose`).
fn extra_title(module: Module, index: usize) -> String {
    const NEUTRAL: [&str; 6] = [
        "月度明细 Monthly detail",
        "区域明细 Regional detail",
        "重点客户 Key accounts",
        "渠道表现 Channel mix",
        "行业分布 Industries",
        "续约与增购 Renewals",
    ];
    const SIDES: [&str; 3] = ["市场端", "团队端", "流程端"];
    const ISSUES: [&str; 3] = ["竞争与价格 (market side)", "人员与培训 (team side)", "审批与排期 (process side)"];
    const GOALS: [&str; 3] =
        ["2025年上半年样板客户数量增长25%", "2025年6月前培训课时增长40%", "2025年Q3前交付准时率增长10%"];
    let side = index % 3;
    match module {
        Module::Introduction | Module::Review => format!("{} {}", NEUTRAL[index % NEUTRAL.len()], index + 1),
        Module::Problems => format!("{}:{} {}", SIDES[side], ISSUES[side], index + 1),
        Module::Strategy => format!("{}:{}", SIDES[side], GOALS[side]),
        Module::Plan => GOALS[side].to_string(),
    }
}

/// How many sub-chapters each module gets: the book has `chapters` chapters in all, five of them the modules.
fn sub_chapter_counts(chapters: usize) -> [usize; 5] {
    let extra = chapters.saturating_sub(MODULES.len());
    let review = extra * 2 / 5;
    let each = (extra - review) / 3;
    let plan = extra - review - 2 * each;
    [0, review, each, each, plan]
}

pub fn generate(options: &Options) -> Vec<Chapter> {
    let root = Rng::new(options.seed);
    let counts = sub_chapter_counts(options.chapters);
    let mut stream = 0u64;
    let mut write = |module: Module, title: &str, path: String| {
        stream += 1;
        let mut rng = root.fork(stream);
        let content = prose::chapter(&mut rng, module, title, options.words, options.directives);
        Chapter { name: title.to_string(), path, content, sub_chapters: Vec::new() }
    };
    let mut book = Vec::new();
    for ((module, title, slug), count) in MODULES.into_iter().zip(counts) {
        if book.len() >= options.chapters {
            break;
        }
        let mut chapter = write(module, title, format!("{slug}.md"));
        for index in 0..count {
            let parts = part_titles(module);
            let sub_title = parts.get(index).map(|t| t.to_string()).unwrap_or_else(|| extra_title(module, index));
            chapter.sub_chapters.push(write(module, &sub_title, format!("{slug}/{:03}.md", index + 1)));
        }
        book.push(chapter);
    }
    book
}

pub fn summary(book: &[Chapter]) -> String {
    let mut out = String::from("# Summary\n\n");
    for chapter in book {
        out.push_str(&format!("- [{}]({})\n", chapter.name, chapter.path));
        for sub in &chapter.sub_chapters {
            out.push_str(&format!("    - [{}]({})\n", sub.name, sub.path));
        }
    }
    out
}

pub fn book_toml(structure: bool) -> String {
    let data = DATA_FILES.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(", ");
    let structure = if structure { "structure = \"year-end-sales\"\n" } else { "" };
    format!(
        "[book]\ntitle = \"{TITLE}\"\nlanguage = \"zh-CN\"\n\n\
         # The markdown renderer keeps HTML rendering out of the timed builds.\n[output.markdown]\n\n\
         [preprocessor.kpi]\ncommand = \"mdbook-kpi\"\ndata = [{data}]\n{structure}"
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    V04,
    V05,
}

/// `[context, book]` as mdBook sends it for [`book_toml`] with the markdown renderer.
pub fn stdin_json(book: &[Chapter], root: &str, dialect: Dialect, structure: bool) -> String {
    let mut kpi = serde_json::Map::new();
    kpi.insert("command".into(), json!("mdbook-kpi"));
    kpi.insert("data".into(), json!(DATA_FILES));
    if structure {
        kpi.insert("structure".into(), json!("year-end-sales"));
    }
    let book_table = match dialect {
        // 0.4 sends its config as a sorted TOML table, with `src` filled in.
        Dialect::V04 => json!({"authors": [], "language": "zh-CN", "src": "src", "title": TITLE}),
        // 0.5 serializes its BookConfig struct: every field, nulls included.
        Dialect::V05 => {
            json!({"title": TITLE, "authors": [], "description": null, "language": "zh-CN", "text-direction": null})
        }
    };
    let version = match dialect {
        Dialect::V04 => "0.4.52",
        Dialect::V05 => "0.5.4",
    };
    let context = json!({
        "root": root,
        "config": {"book": book_table, "output": {"markdown": {}}, "preprocessor": {"kpi": kpi}},
        "renderer": "markdown",
        "mdbook_version": version,
    });
    let items: Vec<Value> =
        book.iter().enumerate().map(|(i, chapter)| chapter_json(chapter, vec![i + 1], &[])).collect();
    let book_value = match dialect {
        Dialect::V04 => json!({"sections": items, "__non_exhaustive": null}),
        Dialect::V05 => json!({"items": items}),
    };
    serde_json::to_string(&json!([context, book_value])).unwrap_or_default()
}

fn chapter_json(chapter: &Chapter, number: Vec<usize>, parents: &[&str]) -> Value {
    let mut child_parents: Vec<&str> = parents.to_vec();
    child_parents.push(&chapter.name);
    let subs: Vec<Value> = chapter
        .sub_chapters
        .iter()
        .enumerate()
        .map(|(i, sub)| {
            let mut sub_number = number.clone();
            sub_number.push(i + 1);
            chapter_json(sub, sub_number, &child_parents)
        })
        .collect();
    json!({"Chapter": {
        "name": chapter.name,
        "content": chapter.content,
        "number": number,
        "sub_items": subs,
        "path": chapter.path,
        "source_path": chapter.path,
        "parent_names": parents,
    }})
}

/// Every chapter, depth first.
pub fn all_chapters(book: &[Chapter]) -> Vec<&Chapter> {
    let mut out = Vec::new();
    for chapter in book {
        out.push(chapter);
        out.extend(all_chapters(&chapter.sub_chapters));
    }
    out
}

/// Whole-word count: an English word or a Chinese phrase from the generator's lists counts as one; here we
/// count Latin words plus CJK characters divided by two, a close enough measure to report.
pub fn approximate_words(text: &str) -> usize {
    let latin = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).count();
    let cjk = text.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).count();
    latin + cjk / 2
}

/// Metrics the directives use, for the report.
pub fn metric_count() -> usize {
    METRICS.iter().filter(|m| m.shape != Shape::Formula || m.formula.is_some()).count()
}
