//! The 20 metrics and 3 dimensions the generated book reports on.

/// How a metric's facts are shaped, which decides the directives that make sense for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Currency or count, summed over months and dimension members; broken down by every dimension.
    Additive,
    /// A percentage, a score or a number of days: monthly totals only, averaged over periods.
    Averaged,
    /// A stock (headcount): monthly totals only, a period takes its last month.
    Stock,
    /// Computed from other metrics.
    Formula,
}

pub struct MetricDef {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub unit: &'static str,
    pub better: &'static str,
    pub shape: Shape,
    /// Suffix after a count: (zh, en).
    pub suffix: Option<(&'static str, &'static str)>,
    /// The monthly total around which values are drawn (for averaged metrics: the typical value).
    pub base: f64,
    /// Decimals written in the data file.
    pub decimals: u32,
    pub standard: Option<u32>,
    pub formula: Option<&'static str>,
}

const fn metric(
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: &'static str,
    better: &'static str,
    shape: Shape,
    base: f64,
) -> MetricDef {
    MetricDef { id, zh, en, unit, better, shape, suffix: None, base, decimals: 0, standard: None, formula: None }
}

pub const METRICS: [MetricDef; 20] = [
    metric("revenue", "营收", "revenue", "currency", "higher", Shape::Additive, 9_500_000.0),
    metric("gross_profit", "毛利", "gross profit", "currency", "higher", Shape::Additive, 4_100_000.0),
    metric("contract_value", "新签合同额", "new contract value", "currency", "higher", Shape::Additive, 12_000_000.0),
    metric("renewal_revenue", "续约收入", "renewal revenue", "currency", "higher", Shape::Additive, 3_300_000.0),
    metric("collections", "回款", "collections", "currency", "higher", Shape::Additive, 8_700_000.0),
    metric("marketing_spend", "市场费用", "marketing spend", "currency", "lower", Shape::Additive, 860_000.0),
    MetricDef {
        suffix: Some(("家", " customers")),
        ..metric("new_customers", "新签客户", "new customers", "count", "higher", Shape::Additive, 40.0)
    },
    MetricDef {
        suffix: Some(("条", " leads")),
        ..metric("leads", "销售线索", "leads", "count", "higher", Shape::Additive, 3_200.0)
    },
    MetricDef {
        suffix: Some(("个", " opportunities")),
        ..metric("opportunities", "商机", "opportunities", "count", "higher", Shape::Additive, 410.0)
    },
    MetricDef {
        suffix: Some(("次", " demos")),
        ..metric("demos", "产品演示", "product demos", "count", "higher", Shape::Additive, 230.0)
    },
    MetricDef {
        suffix: Some(("张", " tickets")),
        ..metric("tickets", "客服工单", "support tickets", "count", "lower", Shape::Additive, 1_500.0)
    },
    MetricDef {
        suffix: Some(("家", " customers")),
        ..metric("churned_customers", "流失客户", "churned customers", "count", "lower", Shape::Additive, 24.0)
    },
    MetricDef {
        suffix: Some(("人", " people")),
        ..metric("headcount", "销售人数", "sales headcount", "count", "higher", Shape::Stock, 72.0)
    },
    MetricDef {
        decimals: 1, ..metric("win_rate", "赢单率", "win rate", "percent", "higher", Shape::Averaged, 31.0)
    },
    MetricDef {
        decimals: 1,
        ..metric("renewal_rate", "续约率", "renewal rate", "percent", "higher", Shape::Averaged, 84.0)
    },
    MetricDef {
        decimals: 1,
        ..metric("gross_margin", "毛利率", "gross margin", "percent", "higher", Shape::Averaged, 43.0)
    },
    metric("nps", "客户净推荐值", "net promoter score", "number", "higher", Shape::Averaged, 38.0),
    MetricDef {
        decimals: 1,
        standard: Some(10),
        ..metric("delivery_days", "交付周期", "delivery time", "days", "lower", Shape::Averaged, 16.0)
    },
    MetricDef {
        decimals: 1,
        standard: Some(45),
        ..metric("deal_cycle_days", "成单周期", "deal cycle", "days", "lower", Shape::Averaged, 52.0)
    },
    MetricDef {
        formula: Some("revenue / headcount"),
        ..metric("revenue_per_head", "人均产能", "revenue per head", "currency", "higher", Shape::Formula, 0.0)
    },
];

pub struct DimensionDef {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// (id, zh, en, weight of the total)
    pub members: &'static [(&'static str, &'static str, &'static str, f64)],
}

pub const DIMENSIONS: [DimensionDef; 3] = [
    DimensionDef {
        id: "region",
        zh: "区域",
        en: "region",
        members: &[
            ("east", "华东", "East China", 0.34),
            ("north", "华北", "North China", 0.24),
            ("south", "华南", "South China", 0.22),
            ("west", "西部", "West China", 0.12),
            ("overseas", "海外", "Overseas", 0.08),
        ],
    },
    DimensionDef {
        id: "product",
        zh: "产品线",
        en: "product line",
        members: &[
            ("smart-cs", "智能客服系统", "Smart Customer Service", 0.52),
            ("ai-qc", "AI质检系统", "AI Quality Inspection", 0.23),
            ("voice-bot", "语音机器人", "Voice Bot", 0.15),
            ("analytics", "数据分析平台", "Analytics Platform", 0.10),
        ],
    },
    DimensionDef {
        id: "channel",
        zh: "渠道",
        en: "channel",
        members: &[
            ("direct", "直销", "direct sales", 0.55),
            ("partner", "渠道伙伴", "partners", 0.25),
            ("telesales", "电销", "telesales", 0.20),
        ],
    },
];

/// The report year: relative periods (`q4`, `h1`, `fy`) in directives refer to it.
pub const REPORT_YEAR: i32 = 2024;
/// The months the data covers: 2022-01 … 2024-12.
pub const FIRST_YEAR: i32 = 2022;
pub const YEARS: i32 = 3;
