//! Every row of SPEC 5.2 for the reference data of SPEC 3.1: the directive body, zh-CN, en. Shared by the
//! narration tests and the tests with the real mdBook binaries.

pub const SPEC_ROWS: &[(&str, &str, &str)] = &[
    ("revenue 2023", "1.2亿元", "¥120M"),
    ("revenue q4 vs q3", "Q4营收3600万元,环比增长16.1%", "Q4 revenue was ¥36M, up 16.1% from Q3 (¥31M)"),
    ("revenue q4 vs q2", "Q4营收3600万元,较Q2增长28.6%", "Q4 revenue was ¥36M, up 28.6% from Q2 (¥28M)"),
    ("revenue 2023 vs yoy", "2023年营收1.2亿元,同比增长8%", "2023 revenue was ¥120M, up 8% year over year"),
    ("revenue 2023 vs target", "2023年营收1.2亿元,目标完成率105%", "2023 revenue was ¥120M, 105% of the ¥114M target"),
    (
        "telesales_share 2023 vs target",
        "2023年电销渠道获客占比75%,高于目标(60%)15个百分点",
        "2023 telesales share of new customers was 75%, 15 pp above the 60% target",
    ),
    (
        "delivery_days 2023 vs standard",
        "2023年交付周期18天,超出标准(10天)8天",
        "2023 delivery time was 18 days, 8 days over the 10-day standard",
    ),
    (
        "deal_cycle_days tenure=new 2023 vs tenure=veteran",
        "2023年新人成单周期50天,比老员工(30天)多20天",
        "2023 deal cycle for new hires was 50 days, 20 days longer than for veterans (30 days)",
    ),
    (
        "share revenue product=ai-qc q4 vs q3",
        "Q4 AI质检系统营收占比35%,较Q3的22.6%提升12.4个百分点",
        "AI Quality Inspection's share of Q4 revenue was 35%, up 12.4 pp from 22.6% in Q3",
    ),
    ("new_customers q4 vs q3", "Q4新签客户120家,环比增长5.3%", "Q4 new customers were 120, up 5.3% from Q3 (114)"),
    (
        "revenue q1..q4",
        "营收Q1至Q4连续3个季度增长,从2500万元增至3600万元",
        "revenue grew for 3 consecutive quarters, from ¥25M in Q1 to ¥36M in Q4",
    ),
    (
        "revenue 2023 by product",
        "2023年营收1.2亿元,其中智能客服系统8500万元(占70.8%)、AI质检系统2500万元(占20.8%)、其他1000万元(占8.3%)",
        "2023 revenue was ¥120M: Smart Customer Service ¥85M (70.8%), AI Quality Inspection ¥25M (20.8%), Other ¥10M (8.3%)",
    ),
    ("output_per_head 2023", "150万元", "¥1.5M"),
    ("revenue q4 vs q3 as delta", "+16.1%", "+16.1%"),
];
