//! Providers: upstream accounts with masked keys, health and presets.

use axum::extract::State;
use keyway_store::presets::PRESETS;
use keyway_store::{AuthStyle, Protocol, Provider};
use maud::{html, Markup};
use serde_json::json;

use super::layout::{badge, json_script, managed_note, page, when};
use super::{Ctx, PageResult};
use crate::auth::AppState;
use crate::views::ProviderView;

pub async fn providers_page(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let providers = s.state.store.list_providers().await?;
    let health = s.state.gateway.provider_health();
    let presets: Vec<_> = PRESETS
        .iter()
        .map(|p| {
            json!({"vendor": p.vendor, "protocol": p.protocol.as_str(), "base_url": p.base_url,
                   "anthropic_base_url": p.anthropic_base_url})
        })
        .collect();
    let body = html! {
        div.page-head {
            h1 { (ctx.t("Providers", "供应商")) }
            p.muted { (ctx.t(
                "Upstream accounts shared by all groups. Keys are stored encrypted and never shown again.",
                "所有分组共享的上游账号。密钥加密存储,保存后不再显示。")) }
        }
        section.card {
            @if providers.is_empty() {
                p.empty { (ctx.t("No providers yet. Add one below from a vendor preset.", "还没有供应商。在下方从厂商预设添加。")) }
            } @else {
                table {
                    thead { tr {
                        th { (ctx.t("Name", "名称")) }
                        th { (ctx.t("Vendor", "厂商")) }
                        th { (ctx.t("Protocol", "协议")) }
                        th { "Base URL" }
                        th { (ctx.t("API key", "API Key")) }
                        th { (ctx.t("Status", "状态")) }
                        th { (ctx.t("Health", "健康")) }
                        th { (ctx.t("Actions", "操作")) }
                    } }
                    tbody {
                        @for p in &providers {
                            @let v = ProviderView::from(p);
                            @let h = health.iter().find(|h| h.provider_id == p.id);
                            tr data-provider=(p.id) {
                                td { strong { (p.name) } " " @if p.managed_by_config { (managed_note(&ctx)) } }
                                td { (p.vendor) }
                                td { (p.protocol.as_str()) }
                                td { code.url { (p.base_url) } }
                                td { @for k in &v.api_keys_masked { code { (k) } " " }
                                    @if v.api_keys_masked.is_empty() { span.muted { (ctx.t("none", "无")) } } }
                                td { @if p.enabled { (badge("ok", ctx.t("enabled", "已启用"))) } @else { (badge("off", ctx.t("disabled", "已停用"))) } }
                                td {
                                    @match h {
                                        Some(h) => {
                                            span title={ "circuit: " (h.state) } { (health_badge(&ctx, &h.state)) }
                                            " " span.muted.small { "✓" (h.total_successes) " ✗" (h.total_failures) }
                                            @if let Some(err) = &h.last_error {
                                                details.small { summary { (ctx.t("last error", "最近错误")) " " (when(h.last_failure_at)) } pre.err { (err) } }
                                            }
                                        }
                                        None => { span.muted { (ctx.t("no traffic yet", "暂无流量")) } }
                                    }
                                }
                                td.actions {
                                    @if !p.managed_by_config {
                                        button.btn.small type="button" data-toggle={ "#edit-provider-" (p.id) } { (ctx.t("Edit", "编辑")) }
                                        button.btn.small data-api={ "/admin/api/providers/" (p.id) } data-method="PATCH"
                                            data-body=(if p.enabled { r#"{"enabled":false}"# } else { r#"{"enabled":true}"# }) data-then="reload" {
                                            @if p.enabled { (ctx.t("Disable", "停用")) } @else { (ctx.t("Enable", "启用")) } }
                                        button.btn.small data-api={ "/admin/api/providers/" (p.id) } data-method="PATCH" data-then="reload"
                                            data-prompt-secret="api_key" data-prompt=(ctx.t("New API key (replaces the stored one)", "新的 API Key(替换已保存的)")) {
                                            (ctx.t("Set key", "更换密钥")) }
                                    }
                                    button.btn.small data-api={ "/admin/api/providers/" (p.id) "/health/reset" } data-method="POST" data-then="reload" {
                                        (ctx.t("Reset health", "重置健康状态")) }
                                    @if !p.managed_by_config {
                                        button.btn.small.danger data-api={ "/admin/api/providers/" (p.id) } data-method="DELETE"
                                            data-confirm=(ctx.t("Delete this provider?", "删除该供应商?")) data-then="reload" { (ctx.t("Delete", "删除")) }
                                    }
                                }
                            }
                            @if !p.managed_by_config {
                                tr.edit-row id={ "edit-provider-" (p.id) } hidden { td colspan="8" { (edit_form(&ctx, p)) } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { (ctx.t("Add provider", "添加供应商")) }
            (json_script("presets", &json!(presets)))
            form.grid #provider-form data-api="/admin/api/providers" data-method="POST" data-then="reload" {
                label { (ctx.t("Vendor preset", "厂商预设"))
                    select name="vendor" {
                        @for p in PRESETS { option value=(p.vendor) { (p.display_name) } }
                    }
                }
                label { (ctx.t("Name (routes refer to it)", "名称(路由通过它引用)")) input name="name" placeholder="deepseek" required; }
                label { (ctx.t("Protocol", "协议"))
                    select name="protocol" { option value="openai" { "openai" } option value="anthropic" { "anthropic" } } }
                label { "Base URL" input name="base_url" placeholder="https://api.example.com/v1" required; }
                label.wide { (ctx.t("API key (write-only)", "API Key(只写)"))
                    input name="api_key" type="password" autocomplete="off" placeholder="sk-…"; }
                label.check { input name="enabled" type="checkbox" checked; " " (ctx.t("Enabled", "启用")) }
                div.wide { button.btn.primary type="submit" { (ctx.t("Add provider", "添加供应商")) } span.form-error {} }
            }
        }
    };
    Ok(page(&ctx, ctx.t("Providers", "供应商"), body))
}

/// In-place edit of a provider; an empty key field keeps the stored key.
fn edit_form(ctx: &Ctx, p: &Provider) -> Markup {
    html! {
        form.grid data-api={ "/admin/api/providers/" (p.id) } data-method="PATCH" data-then="reload" {
            label { (ctx.t("Name", "名称")) input name="name" value=(p.name) required; }
            label { (ctx.t("Protocol", "协议"))
                select name="protocol" {
                    option value="openai" selected[p.protocol == Protocol::Openai] { "openai" }
                    option value="anthropic" selected[p.protocol == Protocol::Anthropic] { "anthropic" }
                } }
            label { "Base URL" input name="base_url" value=(p.base_url) required; }
            label { (ctx.t("Auth header", "认证头"))
                select name="auth_style" {
                    option value="bearer" selected[p.auth_style == AuthStyle::Bearer] { "Authorization: Bearer" }
                    option value="x-api-key" selected[p.auth_style == AuthStyle::XApiKey] { "x-api-key" }
                } }
            label.wide { (ctx.t("New API key (leave empty to keep the stored one)", "新的 API Key(留空则保留原密钥)"))
                input name="api_key" type="password" autocomplete="off"; }
            div.wide { button.btn.primary type="submit" { (ctx.t("Save", "保存")) } span.form-error {} }
        }
    }
}

/// The breaker state in words an operator reads at a glance.
fn health_badge(ctx: &Ctx, state: &str) -> Markup {
    match state {
        "closed" => badge("ok", ctx.t("healthy", "正常")),
        "half-open" => badge("warn", ctx.t("probing", "探测中")),
        "open" => badge("off", ctx.t("circuit open", "已熔断")),
        other => badge("warn", other),
    }
}
