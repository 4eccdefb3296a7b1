//! Chapter text: mixed Chinese and English prose with headings, lists, tables, quotes and code blocks (some
//! holding `<<` and `<<#kpi` that the preprocessor must leave alone), and the directives of the chapter.
//!
//! Headings follow the report schema `year-end-sales` so that a structure check over the book has real work and
//! finds no errors: problem and countermeasure headings name their side (市场端/团队端/流程端), and
//! countermeasure and plan headings carry a figure and a deadline. No other heading contains a module title.

use crate::directives;
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    Introduction,
    Review,
    Problems,
    Strategy,
    Plan,
}

const ZH_WORDS: &[&str] = &[
    "客户",
    "渠道",
    "销售",
    "季度",
    "团队",
    "产品",
    "市场",
    "交付",
    "续约",
    "合同",
    "回款",
    "线索",
    "转化",
    "区域",
    "行业",
    "方案",
    "试点",
    "上线",
    "培训",
    "流程",
    "审批",
    "周期",
    "报价",
    "商机",
    "拜访",
    "演示",
    "签约",
    "预算",
    "采购",
    "反馈",
    "体验",
    "服务",
    "运营",
    "系统",
    "质检",
    "客服",
    "模型",
    "部署",
    "集成",
    "接口",
    "版本",
    "需求",
    "里程碑",
    "风险",
    "资源",
    "节奏",
    "华东",
    "华南",
    "华北",
    "西部",
    "海外",
    "大客户",
    "中小企业",
    "金融行业",
    "零售行业",
    "制造业",
    "政务",
    "教育",
    "医疗",
    "电商",
    "呼叫中心",
    "坐席",
    "话术",
    "知识库",
    "工单",
    "满意度",
    "投诉",
    "复购",
    "增购",
    "续费",
    "价格",
    "折扣",
    "竞品",
    "招投标",
    "标书",
    "样板客户",
    "案例",
    "口碑",
    "品牌",
    "活动",
    "展会",
    "研讨会",
    "直播",
    "官网",
    "内容",
    "私域",
    "社群",
    "伙伴",
    "代理商",
    "集成商",
    "售前",
    "售后",
    "实施",
    "验收",
    "上线率",
];
const ZH_GLUE: &[&str] = &[
    "我们",
    "在",
    "的",
    "了",
    "和",
    "与",
    "对",
    "通过",
    "由于",
    "因此",
    "同时",
    "其中",
    "以及",
    "并且",
    "持续",
    "重点",
    "逐步",
    "进一步",
    "主要",
    "整体",
    "相关",
    "明显",
    "稳定",
    "集中",
];
const ZH_VERBS: &[&str] = &[
    "推进", "优化", "提升", "覆盖", "跟进", "拓展", "梳理", "复盘", "落实", "改进", "完善", "加强", "调整", "扩大",
    "巩固", "保持", "聚焦", "支持", "协同", "规范",
];
const EN_WORDS: &[&str] = &[
    "customer",
    "pipeline",
    "renewal",
    "contract",
    "onboarding",
    "region",
    "quarter",
    "forecast",
    "discount",
    "deployment",
    "integration",
    "support",
    "ticket",
    "churn",
    "upsell",
    "pilot",
    "feedback",
    "account",
    "partner",
    "channel",
    "segment",
    "enterprise",
    "retail",
    "finance",
    "manufacturing",
    "quality",
    "inspection",
    "voice",
    "agent",
    "workflow",
    "approval",
    "quote",
    "proposal",
    "tender",
    "demo",
    "trial",
    "launch",
    "release",
    "roadmap",
    "budget",
    "spend",
    "campaign",
    "event",
    "webinar",
    "content",
    "brand",
    "reference",
    "case",
    "study",
    "team",
    "hiring",
    "training",
    "coaching",
    "territory",
    "coverage",
    "capacity",
    "velocity",
    "conversion",
    "lead",
    "opportunity",
    "deal",
    "cycle",
    "delivery",
    "service",
    "level",
    "satisfaction",
    "survey",
    "score",
    "price",
    "competitor",
    "market",
    "share",
    "growth",
    "margin",
    "cost",
    "collection",
    "invoice",
    "payment",
    "schedule",
    "milestone",
];
const EN_GLUE: &[&str] = &[
    "the", "a", "of", "and", "to", "in", "for", "with", "on", "our", "this", "that", "from", "across", "by", "while",
    "we", "steady", "strong", "weak", "new", "key", "main", "most", "each", "every", "more", "fewer",
];
const EN_VERBS: &[&str] = &[
    "improved",
    "slowed",
    "expanded",
    "reviewed",
    "tracked",
    "shifted",
    "covered",
    "held",
    "raised",
    "reduced",
    "closed",
    "opened",
    "moved",
    "supported",
    "drove",
    "kept",
];
const TERMS: &[&str] = &["CRM", "SaaS", "API", "POC", "SLA", "KA", "ERP", "BI", "SDK", "OKR"];

const NEUTRAL_HEADINGS: &[&str] = &[
    "季度走势 Quarterly trend",
    "客户结构 Customer mix",
    "重点客户 Key accounts",
    "交付情况 Delivery",
    "回款节奏 Collections",
    "渠道表现 Channel mix",
    "行业分布 Industries",
    "续约与增购 Renewals and upsell",
    "线索与商机 Leads and deals",
    "价格与折扣 Pricing",
    "客户反馈 Customer feedback",
    "月度明细 Monthly detail",
    "费用投入 Spend",
    "售前支持 Presales",
    "典型案例 Case studies",
    "数据口径 Definitions",
];
const SIDES: [(&str, &str); 3] = [("市场端", "market side"), ("团队端", "team side"), ("流程端", "process side")];
const PROBLEMS: [[&str; 4]; 3] = [
    ["华东竞争加剧", "渠道覆盖不足", "价格压力上升", "品牌认知偏弱"],
    ["新人成单周期偏长", "梯队储备不足", "培训投入不够", "人员流动偏高"],
    ["报价审批偏慢", "交付排期冲突", "线索分配不均", "验收环节冗长"],
];
const ACTIONS: [[&str; 4]; 3] = [
    ["渠道伙伴数量", "重点行业覆盖率", "样板客户数量", "品牌活动场次"],
    ["新人首单转化率", "销售人数", "培训课时", "导师带教覆盖率"],
    ["审批时效", "交付准时率", "线索响应速度", "验收通过率"],
];
const DEADLINES: [&str; 6] = ["2025年Q1前", "2025年3月底前", "2025年上半年", "2025年6月前", "2025年Q2前", "2025年Q3前"];

const CODE_SNIPPETS: [(&str, &str); 8] = [
    ("rust", "let mask = 1u32 << bit;\nlet scaled = revenue << 2; // <<#kpi revenue 2024>> is not expanded here\n"),
    ("cpp", "std::cout << \"Q4 revenue: \" << revenue << std::endl;\nstd::cout << \"<<#kpi revenue q4 vs q3>>\";\n"),
    (
        "text",
        "<<#kpi revenue q4 vs q3>>\n<<#kpi share revenue product=ai-qc q4 vs q3>>\n<<#kpi leads q1..q4 as table>>\n",
    ),
    ("bash", "cat <<EOF > notes.md\n<<#kpi leads 2024 by region>>\nEOF\n"),
    ("toml", "[preprocessor.kpi]\ndata = [\"data/kpi.toml\", \"data/facts.csv\"]\nstructure = \"year-end-sales\"\n"),
    ("python", "totals = facts.groupby(\"region\")[\"value\"].sum()\nprint(totals << 1 if False else totals)\n"),
    (
        "sql",
        "SELECT region, SUM(value) AS revenue\nFROM facts\nWHERE metric = 'revenue' AND period >= '2024-01'\nGROUP BY region;\n",
    ),
    ("markdown", "写法示例:<<#kpi revenue 2024 vs target>>\n转义写法:\\<<#kpi revenue 2024>>\n"),
];

/// Placeholders in the assembled text, replaced once the directives are dealt out.
const INLINE_ZH: char = '\u{1}';
const INLINE_EN: char = '\u{2}';
const CELL: char = '\u{3}';
const BLOCK: &str = "\u{4}";

struct Writer<'a> {
    rng: &'a mut Rng,
    words: usize,
}

impl Writer<'_> {
    fn zh_sentence(&mut self) -> String {
        let count = self.rng.range(7, 14);
        let mut out = String::new();
        for i in 0..count {
            let word = match self.rng.below(10) {
                0..=3 => *self.rng.pick(ZH_WORDS),
                4..=6 => *self.rng.pick(ZH_GLUE),
                7 | 8 => *self.rng.pick(ZH_VERBS),
                _ => *self.rng.pick(TERMS),
            };
            out.push_str(word);
            if i > 2 && i + 1 < count && self.rng.chance(0.12) {
                out.push(',');
            }
        }
        out.push('。');
        self.words += count;
        out
    }

    fn en_sentence(&mut self) -> String {
        let count = self.rng.range(8, 18);
        let mut out = String::new();
        for i in 0..count {
            let word = match self.rng.below(10) {
                0..=3 => *self.rng.pick(EN_WORDS),
                4..=6 => *self.rng.pick(EN_GLUE),
                7 | 8 => *self.rng.pick(EN_VERBS),
                _ => *self.rng.pick(TERMS),
            };
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
            if i > 3 && i + 1 < count && self.rng.chance(0.08) {
                out.push(',');
            }
        }
        out.push('.');
        self.words += count;
        out
    }

    /// A sentence in either language, with an inline slot after it now and then.
    fn sentence(&mut self, slot_chance: f64) -> String {
        let chinese = self.rng.chance(0.6);
        let mut text = if chinese { self.zh_sentence() } else { format!("{} ", self.en_sentence()) };
        if self.rng.chance(slot_chance) {
            text.push(if chinese { INLINE_ZH } else { INLINE_EN });
        }
        text
    }

    fn paragraph(&mut self) -> String {
        let count = self.rng.range(3, 6);
        let mut text: String = (0..count).map(|_| self.sentence(0.35)).collect();
        match self.rng.below(40) {
            0 => text.push_str("写法是 `<<#kpi revenue q4 vs q3>>`,放在段落中即可。"),
            1 => text.push_str("The escaped form \\<<#kpi revenue 2024>> is shown as written."),
            2 => text.push_str("位运算写作 `x << 2`,与指令无关。"),
            _ => {}
        }
        text.trim_end().to_string()
    }

    fn list(&mut self) -> String {
        let ordered = self.rng.chance(0.3);
        let items = self.rng.range(3, 6);
        (0..items)
            .map(|i| {
                let marker = if ordered { format!("{}.", i + 1) } else { "-".to_string() };
                let lead = *self.rng.pick(ZH_WORDS);
                self.words += 1;
                format!("{marker} **{lead}**:{}", self.sentence(0.5).trim_end())
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn table(&mut self) -> String {
        let rows = self.rng.range(3, 5);
        let mut out = String::from("| 事项 Item | 说明 Note | 数据 Figure |\n|---|---|---|\n");
        for _ in 0..rows {
            let item = format!("{}{}", self.rng.pick(ZH_WORDS), self.rng.pick(ZH_VERBS));
            let note = self.en_sentence();
            self.words += 2;
            out.push_str(&format!("| {item} | {note} | {CELL} |\n"));
        }
        out.trim_end().to_string()
    }

    fn quote(&mut self) -> String {
        format!("> {}", self.sentence(0.7).trim_end())
    }

    fn code(&mut self, indented_ok: bool) -> String {
        let (lang, body) = *self.rng.pick(&CODE_SNIPPETS);
        if indented_ok && self.rng.chance(0.25) {
            return body.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n");
        }
        let fence = if self.rng.chance(0.2) { "~~~" } else { "```" };
        format!("{fence}{lang}\n{body}{fence}")
    }

    fn heading(&mut self, module: Module, level: usize) -> String {
        let hashes = "#".repeat(level);
        self.words += 4;
        match module {
            Module::Introduction | Module::Review => format!("{hashes} {}", self.rng.pick(NEUTRAL_HEADINGS)),
            Module::Problems => {
                let side = self.rng.below(SIDES.len());
                format!("{hashes} {}:{} ({})", SIDES[side].0, self.rng.pick(&PROBLEMS[side]), SIDES[side].1)
            }
            Module::Strategy => {
                let side = self.rng.below(SIDES.len());
                format!("{hashes} {}:{}", SIDES[side].0, self.smart_goal(side))
            }
            Module::Plan => {
                let side = self.rng.below(SIDES.len());
                format!("{hashes} {}", self.smart_goal(side))
            }
        }
    }

    /// A quantified, time-bound goal: `2025年Q1前渠道伙伴数量增长20%`.
    fn smart_goal(&mut self, side: usize) -> String {
        let deadline = self.rng.pick(&DEADLINES);
        let action = self.rng.pick(&ACTIONS[side]);
        format!("{deadline}{action}增长{}%", 5 * self.rng.range(2, 8))
    }
}

/// One chapter: `# title`, then blocks until about `words` words, holding exactly `directive_count` directives
/// (a tenth of them block forms).
pub fn chapter(rng: &mut Rng, module: Module, title: &str, words: usize, directive_count: usize) -> String {
    let mut writer = Writer { rng, words: 0 };
    let mut blocks = vec![format!("# {title}")];
    let mut since_heading = 0;
    let mut previous_paragraph = false;
    while writer.words < words {
        if since_heading >= 4 && writer.rng.chance(0.4) {
            let level = if writer.rng.chance(0.7) { 2 } else { 3 };
            blocks.push(writer.heading(module, level));
            since_heading = 0;
            previous_paragraph = true;
            continue;
        }
        since_heading += 1;
        let roll = writer.rng.below(100);
        let block = match roll {
            0..=49 => writer.paragraph(),
            50..=63 => writer.list(),
            64..=72 => writer.table(),
            73..=79 => writer.code(previous_paragraph),
            80..=85 => writer.quote(),
            86..=88 => BLOCK.to_string(),
            89 => "<!-- 待核对:<<#kpi revenue 2024 vs target>> -->".to_string(),
            _ => writer.paragraph(),
        };
        previous_paragraph = roll <= 49 || roll >= 90;
        blocks.push(block);
    }
    let block_directives = directive_count / 10;
    let inline_directives = directive_count - block_directives;
    let count_slots = |blocks: &[String]| {
        let inline = blocks.iter().flat_map(|b| b.chars()).filter(|c| [INLINE_ZH, INLINE_EN, CELL].contains(c)).count();
        let block = blocks.iter().filter(|b| *b == BLOCK).count();
        (inline, block)
    };
    let (mut inline_slots, mut block_slots) = count_slots(&blocks);
    while inline_slots < inline_directives {
        let sentence = writer.zh_sentence();
        blocks.push(format!("{sentence}{INLINE_ZH}"));
        inline_slots += 1;
    }
    while block_slots < block_directives {
        blocks.push(BLOCK.to_string());
        block_slots += 1;
    }
    let rng = writer.rng;
    let inline_chosen = choose(rng, inline_slots, inline_directives);
    let block_chosen = choose(rng, block_slots, block_directives);
    let mut inline_index = 0;
    let mut block_index = 0;
    let mut out = String::with_capacity(words * 8);
    for block in blocks {
        if block == BLOCK {
            if block_chosen[block_index] {
                push_block(&mut out, &block_form(rng));
            }
            block_index += 1;
            continue;
        }
        let mut text = String::with_capacity(block.len() + 64);
        for ch in block.chars() {
            if ![INLINE_ZH, INLINE_EN, CELL].contains(&ch) {
                text.push(ch);
                continue;
            }
            let chosen = inline_chosen[inline_index];
            inline_index += 1;
            match (ch, chosen) {
                (CELL, true) => text.push_str(&format!("<<#kpi {}>>", directives::inline(rng))),
                (CELL, false) => text.push('—'),
                (INLINE_ZH, true) => {
                    let lead = rng.pick(&["具体来看,", "数据显示,", "其中,", "对应地,", "从数据看,"]);
                    text.push_str(&format!("{lead}<<#kpi {}>>。", directives::inline(rng)));
                }
                (_, true) => {
                    let lead = rng.pick(&["In numbers, ", "For reference, ", "Measured, "]);
                    let locale = if rng.chance(0.5) { " locale=en" } else { "" };
                    text.push_str(&format!("{lead}<<#kpi {}{locale}>>. ", directives::inline(rng)));
                }
                (_, false) => {}
            }
        }
        push_block(&mut out, text.trim_end());
    }
    out
}

/// Appends a block and a blank line; trailing spaces go (two would make a hard line break).
fn push_block(out: &mut String, block: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    for line in block.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// A block directive alone on its line, as a paragraph, in a quote or in a list item.
fn block_form(rng: &mut Rng) -> String {
    let directive = format!("<<#kpi {}>>", directives::block(rng));
    match rng.below(3) {
        0 => directive,
        1 => format!("> 明细如下:\n>\n> {directive}"),
        _ => format!("- 明细如下:\n\n  {directive}"),
    }
}

/// `count` of `slots` chosen at random.
fn choose(rng: &mut Rng, slots: usize, count: usize) -> Vec<bool> {
    let mut chosen: Vec<bool> = (0..slots).map(|i| i < count).collect();
    rng.shuffle(&mut chosen);
    chosen
}
