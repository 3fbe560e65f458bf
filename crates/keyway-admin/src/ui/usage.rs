//! Usage: requests, errors, tokens and latency over time, by group and by
//! route, as server-rendered SVG.

use std::collections::BTreeMap;

use axum::extract::State;
use maud::html;
use serde::Deserialize;

use super::chart::{line_chart, Series};
use super::layout::page;
use super::{Ctx, PageResult};
use crate::api::extract::QueryParams;
use crate::api::logs::usage_report;
use crate::auth::{now_ms, AppState};
use crate::views::UsageRow;

const HOUR: i64 = 3_600_000;
/// (key, en, zh, span, bucket)
const RANGES: &[(&str, &str, &str, i64, i64)] = &[
    ("24h", "Last 24 hours", "最近 24 小时", 24 * HOUR, HOUR),
    ("7d", "Last 7 days", "最近 7 天", 7 * 24 * HOUR, 6 * HOUR),
    (
        "30d",
        "Last 30 days",
        "最近 30 天",
        30 * 24 * HOUR,
        24 * HOUR,
    ),
];
/// Series beyond this many are folded into "other".
const MAX_SERIES: usize = 8;

#[derive(Deserialize, Default)]
pub struct UsageUi {
    range: Option<String>,
}

/// One series per label, aligned on `xs`, from rows folded by `label` and `metric`.
/// Latency is averaged weighted by requests; everything else is summed.
fn series(
    rows: &[UsageRow],
    xs: &[i64],
    label: impl Fn(&UsageRow) -> String,
    metric: impl Fn(&UsageRow) -> f64,
    average: bool,
) -> Vec<Series> {
    let mut acc: BTreeMap<String, BTreeMap<i64, (f64, f64)>> = BTreeMap::new();
    for r in rows {
        let e = acc
            .entry(label(r))
            .or_default()
            .entry(r.bucket_start)
            .or_insert((0.0, 0.0));
        if average {
            e.0 += metric(r) * r.requests as f64;
            e.1 += r.requests as f64;
        } else {
            e.0 += metric(r);
        }
    }
    let mut out: Vec<Series> = acc
        .into_iter()
        .map(|(name, by_x)| Series {
            name,
            values: xs
                .iter()
                .map(|x| match by_x.get(x) {
                    Some((sum, n)) if average && *n > 0.0 => sum / n,
                    Some(_) | None if average => f64::NAN,
                    Some((sum, _)) => *sum,
                    None => 0.0,
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.values
            .iter()
            .sum::<f64>()
            .total_cmp(&a.values.iter().sum::<f64>())
    });
    out.truncate(MAX_SERIES);
    out
}

pub async fn usage_page(
    ctx: Ctx,
    State(s): State<AppState>,
    QueryParams(q): QueryParams<UsageUi>,
) -> PageResult {
    let range = q.range.unwrap_or_else(|| "24h".into());
    let (_, _, _, span, bucket) = RANGES
        .iter()
        .find(|r| r.0 == range)
        .copied()
        .unwrap_or(RANGES[0]);
    let now = now_ms();
    let first = (now - span) / bucket * bucket;
    let report = usage_report(&s, first, bucket).await?;
    let xs: Vec<i64> = (0..)
        .map(|i| first + i * bucket)
        .take_while(|x| *x <= now)
        .collect();
    // Requests refused before a group was known (bad key, bad body) have none.
    let none = ctx.t("(no group)", "(无分组)");
    let by_group = |r: &UsageRow| r.group_name.clone().unwrap_or_else(|| none.into());
    let by_route = |r: &UsageRow| match (&r.group_name, &r.alias) {
        (Some(g), Some(a)) => format!("{g}/{a}"),
        (Some(g), None) => g.clone(),
        (None, _) => none.to_owned(),
    };
    let rows = &report.rows;
    let total_req: i64 = rows.iter().map(|r| r.requests).sum();
    let total_err: i64 = rows.iter().map(|r| r.errors).sum();
    let total_in: i64 = rows.iter().map(|r| r.input_tokens).sum();
    let total_out: i64 = rows.iter().map(|r| r.output_tokens).sum();
    let mut per_route: BTreeMap<String, (i64, i64, i64, f64)> = BTreeMap::new();
    for r in rows {
        let e = per_route.entry(by_route(r)).or_default();
        e.0 += r.requests;
        e.1 += r.errors;
        e.2 += r.input_tokens + r.output_tokens;
        e.3 += r.avg_latency_ms * r.requests as f64;
    }
    let body = html! {
        div.page-head.row {
            h1 { (ctx.t("Usage", "用量")) }
            form method="get" action="/admin/usage" {
                select name="range" onchange="this.form.submit()" {
                    @for r in RANGES { option value=(r.0) selected[r.0 == range] { (ctx.t(r.1, r.2)) } }
                }
                noscript { button.btn type="submit" { "OK" } }
            }
        }
        section.stats {
            div.stat { span { (ctx.t("Requests", "请求数")) } strong { (total_req) } }
            div.stat { span { (ctx.t("Errors", "错误数")) } strong { (total_err) } }
            div.stat { span { (ctx.t("Input tokens", "输入 Token")) } strong { (total_in) } }
            div.stat { span { (ctx.t("Output tokens", "输出 Token")) } strong { (total_out) } }
        }
        section.charts {
            (line_chart(ctx.t("Requests by group", "各分组请求数"), "", &xs, &series(rows, &xs, by_group, |r| r.requests as f64, false)))
            (line_chart(ctx.t("Errors by group", "各分组错误数"), "", &xs, &series(rows, &xs, by_group, |r| r.errors as f64, false)))
            (line_chart(ctx.t("Tokens by group", "各分组 Token"), ctx.t("input + output", "输入 + 输出"), &xs,
                &series(rows, &xs, by_group, |r| (r.input_tokens + r.output_tokens) as f64, false)))
            (line_chart(ctx.t("Average latency by group", "各分组平均延迟"), "ms", &xs, &series(rows, &xs, by_group, |r| r.avg_latency_ms, true)))
            (line_chart(ctx.t("Requests by route", "各路由请求数"), "", &xs, &series(rows, &xs, by_route, |r| r.requests as f64, false)))
            (line_chart(ctx.t("Average latency by route", "各路由平均延迟"), "ms", &xs, &series(rows, &xs, by_route, |r| r.avg_latency_ms, true)))
        }
        section.card {
            h2 { (ctx.t("By route", "按路由")) }
            @if per_route.is_empty() { p.empty { (ctx.t("No traffic in this period.", "该时间段内没有流量。")) } }
            @else {
                table {
                    thead { tr {
                        th { (ctx.t("Group / alias", "分组 / 别名")) }
                        th.num { (ctx.t("Requests", "请求数")) }
                        th.num { (ctx.t("Errors", "错误数")) }
                        th.num { (ctx.t("Tokens", "Token")) }
                        th.num { (ctx.t("Avg latency", "平均延迟")) }
                    } }
                    tbody { @for (name, (req, err, tok, lat)) in &per_route {
                        tr { td { code { (name) } } td.num { (req) } td.num { (err) } td.num { (tok) }
                            td.num { (format!("{:.0}", if *req > 0 { lat / *req as f64 } else { 0.0 })) " ms" } }
                    } }
                }
            }
        }
    };
    Ok(page(&ctx, ctx.t("Usage", "用量"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bucket: i64, group: &str, alias: &str, requests: i64, lat: f64) -> UsageRow {
        UsageRow {
            bucket_start: bucket,
            group_id: Some(1),
            group_name: Some(group.into()),
            alias: Some(alias.into()),
            requests,
            errors: 0,
            input_tokens: 0,
            output_tokens: 0,
            avg_latency_ms: lat,
        }
    }

    #[test]
    fn sums_and_weighted_averages_align_on_buckets() {
        let rows = vec![
            row(0, "g", "a", 1, 100.0),
            row(0, "g", "b", 3, 200.0),
            row(20, "g", "a", 2, 50.0),
        ];
        let xs = [0, 10, 20];
        let by_group = |r: &UsageRow| r.group_name.clone().unwrap_or_default();
        let s = series(&rows, &xs, by_group, |r| r.requests as f64, false);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].values, vec![4.0, 0.0, 2.0]);
        let s = series(&rows, &xs, by_group, |r| r.avg_latency_ms, true);
        assert_eq!(s[0].values[0], 175.0);
        assert!(s[0].values[1].is_nan(), "no data is a gap, not zero");
        assert_eq!(s[0].values[2], 50.0);
    }
}
