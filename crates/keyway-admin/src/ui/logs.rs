//! Request logs with filters (group, key, alias, status, time range) and
//! pagination; each row shows the upstream status and the full upstream error.

use axum::extract::State;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{badge, page, when};
use super::{Ctx, PageResult};
use crate::api::extract::QueryParams;
use crate::api::logs::{query, LogQuery};
use crate::auth::{now_ms, AppState};
use crate::views::LogView;

const PAGE_SIZE: i64 = 50;

/// The filter form's fields; empty strings mean "any".
#[derive(Deserialize, Default, Debug)]
pub struct LogsUi {
    group_id: Option<String>,
    key_id: Option<String>,
    alias: Option<String>,
    status: Option<String>,
    range: Option<String>,
    page: Option<i64>,
}

fn num(v: &Option<String>) -> Option<i64> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

const RANGES: &[(&str, &str, &str, i64)] = &[
    ("1h", "Last hour", "最近 1 小时", 3_600_000),
    ("24h", "Last 24 hours", "最近 24 小时", 86_400_000),
    ("7d", "Last 7 days", "最近 7 天", 7 * 86_400_000),
    ("30d", "Last 30 days", "最近 30 天", 30 * 86_400_000),
    ("all", "All", "全部", 0),
];

fn status_badge(status: i32) -> Markup {
    let kind = match status {
        200..=299 => "ok",
        400..=499 => "warn",
        _ => "off",
    };
    badge(kind, &status.to_string())
}

fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

pub async fn logs_page(
    ctx: Ctx,
    State(s): State<AppState>,
    QueryParams(q): QueryParams<LogsUi>,
) -> PageResult {
    let range = q.range.clone().unwrap_or_else(|| "24h".into());
    let span = RANGES
        .iter()
        .find(|r| r.0 == range)
        .map(|r| r.3)
        .unwrap_or(86_400_000);
    let page_no = q.page.unwrap_or(1).max(1);
    let api_q = LogQuery {
        group_id: num(&q.group_id),
        key_id: num(&q.key_id),
        alias: q.alias.clone().filter(|a| !a.trim().is_empty()),
        status: num(&q.status).map(|v| v as i32),
        since: (span > 0).then(|| now_ms() - span),
        until: None,
        limit: Some(PAGE_SIZE),
        offset: Some((page_no - 1) * PAGE_SIZE),
    };
    let filter = api_q.to_filter()?;
    let result = query(&s, &filter).await?;
    let groups = s.state.store.list_groups().await?;
    let keys = s.state.store.list_keys(None).await?;
    let pages = ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        let mut parts = vec![format!("page={p}"), format!("range={range}")];
        for (k, v) in [
            ("group_id", &q.group_id),
            ("key_id", &q.key_id),
            ("alias", &q.alias),
            ("status", &q.status),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", url_encode(v)));
            }
        }
        format!("/admin/logs?{}", parts.join("&"))
    };
    let body = html! {
        div.page-head { h1 { (ctx.t("Request logs", "请求日志")) } }
        section.card {
            form.filters method="get" action="/admin/logs" {
                label { (ctx.t("Group", "分组"))
                    select name="group_id" { option value="" { (ctx.t("any", "全部")) }
                        @for g in &groups { option value=(g.id) selected[api_q.group_id == Some(g.id)] { (g.name) } } } }
                label { (ctx.t("Key", "密钥"))
                    select name="key_id" { option value="" { (ctx.t("any", "全部")) }
                        @for k in &keys { option value=(k.id) selected[api_q.key_id == Some(k.id)] { (k.name) " (" (k.prefix) ")" } } } }
                label { (ctx.t("Alias", "别名")) input name="alias" value=[q.alias.as_deref()] placeholder="model alias"; }
                label { (ctx.t("Status", "状态")) input name="status" value=[q.status.as_deref()] size="4" placeholder="502"; }
                label { (ctx.t("Time", "时间"))
                    select name="range" { @for r in RANGES { option value=(r.0) selected[r.0 == range] { (ctx.t(r.1, r.2)) } } } }
                button.btn.primary type="submit" { (ctx.t("Filter", "筛选")) }
                a.btn href="/admin/logs" { (ctx.t("Reset", "重置")) }
            }
        }
        section.card {
            p.muted { (result.total) " " (ctx.t("requests", "条请求")) }
            @if result.items.is_empty() {
                p.empty { (ctx.t("No requests match.", "没有符合条件的请求。")) }
            } @else {
                table.logs {
                    thead { tr {
                        th { (ctx.t("Time", "时间")) }
                        th { (ctx.t("Group / key", "分组 / 密钥")) }
                        th { (ctx.t("Alias", "别名")) }
                        th { (ctx.t("Upstream", "上游")) }
                        th { (ctx.t("Status", "状态")) }
                        th { (ctx.t("Upstream status", "上游状态")) }
                        th.num { (ctx.t("Latency", "延迟")) }
                        th.num { (ctx.t("Tokens in/out", "Token 输入/输出")) }
                    } }
                    tbody { @for l in &result.items { (row(&ctx, l)) } }
                }
                nav.pager {
                    @if page_no > 1 { a.btn.small href=(link(page_no - 1)) { "← " (ctx.t("Newer", "较新")) } }
                    span.muted { (page_no) " / " (pages) }
                    @if page_no < pages { a.btn.small href=(link(page_no + 1)) { (ctx.t("Older", "较旧")) " →" } }
                }
            }
        }
    };
    Ok(page(&ctx, ctx.t("Request logs", "请求日志"), body))
}

fn row(ctx: &Ctx, l: &LogView) -> Markup {
    html! {
        tr {
            td.nowrap { (when(Some(l.ts))) br; span.muted.small title=(ctx.t("request id", "请求 ID")) { (l.request_id) } }
            td { (l.group_name.as_deref().unwrap_or("—")) br; span.muted.small { (l.key_name.as_deref().unwrap_or("—")) } }
            td { code.alias { (l.alias.as_deref().unwrap_or("—")) } br;
                span.muted.small { (l.client_protocol) @if l.stream { " · stream" } @if l.attempt > 1 { " · " (ctx.t("attempt", "尝试")) " " (l.attempt) } } }
            td { (l.provider.as_deref().unwrap_or("—")) br; span.muted.small { (l.upstream_model.as_deref().unwrap_or("")) } }
            td { (status_badge(l.status)) @if l.client_disconnected { " " (badge("warn", ctx.t("client left", "客户端断开"))) } }
            td { @match l.upstream_status { Some(u) => (status_badge(u)), None => span.muted { "—" } } }
            td.num.nowrap { (l.latency_ms) " ms" @if let Some(t) = l.ttfb_ms { br; span.muted.small { "TTFB " (t) " ms" } } }
            td.num { (l.input_tokens.map(|v| v.to_string()).unwrap_or_else(|| "—".into())) " / "
                (l.output_tokens.map(|v| v.to_string()).unwrap_or_else(|| "—".into())) }
        }
        @if l.upstream_error.is_some() || l.error.is_some() {
            tr.err-row { td colspan="8" {
                @if let Some(e) = &l.error { div { strong { (ctx.t("Error", "错误")) ": " } (e) } }
                @if let Some(e) = &l.upstream_error {
                    details.upstream-error {
                        summary { strong { (ctx.t("Upstream error", "上游错误")) ": " } code { (short(e, 160)) } }
                        pre.err { (e) }
                    }
                }
            } }
        }
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(url_encode("a b/c"), "a%20b%2Fc");
        assert_eq!(short("abcdef", 3), "abc…");
        assert_eq!(short("ab", 3), "ab");
        assert_eq!(num(&Some(" 12 ".into())), Some(12));
        assert_eq!(num(&Some("".into())), None);
    }
}
