//! Groups list and a group's page: model routes (with E2E tests),
//! self-issued keys and copy-paste snippets.

use std::collections::HashMap;

use axum::extract::State;
use keyway_store::{ApiKey, Id, Provider, Route, RouteMode};
use maud::{html, Markup};

use super::layout::{badge, managed_note, page, when};
use super::route_form::route_form;
use super::{snippets, Ctx, PageResult};
use crate::api::extract::PathId;
use crate::auth::{now_ms, AppState};

pub async fn groups_page(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let store = &s.state.store;
    let groups = store.list_groups().await?;
    let mut routes: HashMap<Id, usize> = HashMap::new();
    for r in store.list_routes(None).await? {
        *routes.entry(r.group_id).or_default() += 1;
    }
    let mut keys: HashMap<Id, usize> = HashMap::new();
    for k in store.list_keys(None).await? {
        *keys.entry(k.group_id).or_default() += 1;
    }
    let body = html! {
        div.page-head {
            h1 { (ctx.t("Groups", "分组")) }
            p.muted { (ctx.t(
                "A group is an isolation boundary: it owns its model routes and its self-issued API keys.",
                "分组是隔离边界:每个分组拥有自己的模型路由和自发 API Key。")) }
        }
        section.card {
            table {
                thead { tr {
                    th { (ctx.t("Name", "名称")) }
                    th.num { (ctx.t("Routes", "路由")) }
                    th.num { (ctx.t("Keys", "密钥")) }
                    th { (ctx.t("Actions", "操作")) }
                } }
                tbody {
                    @for g in &groups {
                        tr {
                            td { a href={ "/admin/groups/" (g.id) } { strong { (g.name) } } " "
                                @if g.managed_by_config { (managed_note(&ctx)) } }
                            td.num { (routes.get(&g.id).copied().unwrap_or(0)) }
                            td.num { (keys.get(&g.id).copied().unwrap_or(0)) }
                            td.actions {
                                a.btn.small href={ "/admin/groups/" (g.id) } { (ctx.t("Open", "打开")) }
                                button.btn.small data-api={ "/admin/api/groups/" (g.id) "/copy" } data-method="POST"
                                    data-then="reload" title=(ctx.t("Copy routes; the copy gets fresh keys", "复制路由;副本会生成新的密钥")) {
                                    (ctx.t("Copy", "复制")) }
                                @if !g.managed_by_config {
                                    button.btn.small.danger data-api={ "/admin/api/groups/" (g.id) } data-method="DELETE"
                                        data-confirm=(ctx.t("Delete this group with all its routes and keys?", "删除该分组及其全部路由和密钥?"))
                                        data-then="reload" { (ctx.t("Delete", "删除")) }
                                }
                            }
                        }
                    }
                }
            }
            @if groups.is_empty() { p.empty { (ctx.t("No groups yet.", "还没有分组。")) } }
        }
        section.card {
            h2 { (ctx.t("Create group", "新建分组")) }
            form.inline data-api="/admin/api/groups" data-method="POST" data-then="goto:/admin/groups/{id}" {
                input name="name" placeholder=(ctx.t("e.g. team-a", "例如 team-a")) required;
                button.btn.primary type="submit" { (ctx.t("Create", "创建")) }
                span.form-error {}
            }
        }
    };
    Ok(page(&ctx, ctx.t("Groups", "分组"), body))
}

pub async fn group_page(ctx: Ctx, State(s): State<AppState>, PathId(id): PathId) -> PageResult {
    let store = &s.state.store;
    let group = store.get_group(id).await?;
    let routes = store.list_routes(Some(id)).await?;
    let keys = store.list_keys(Some(id)).await?;
    let providers = store.list_providers().await?;
    let aliases: Vec<String> = routes
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.alias.clone())
        .collect();
    let body = html! {
        div.page-head {
            p.crumb { a href="/admin/groups" { (ctx.t("Groups", "分组")) } " / " }
            h1 { (group.name) " "
                @if group.managed_by_config { (managed_note(&ctx)) } @else {
                    button.btn.small data-api={ "/admin/api/groups/" (id) } data-method="PATCH" data-then="reload"
                        data-prompt-field="name" data-prompt-value=(group.name) data-prompt=(ctx.t("New group name", "新的分组名称")) {
                        (ctx.t("Rename", "重命名")) }
                }
            }
        }
        section.card #routes {
            div.card-head {
                h2 { (ctx.t("Model Routes", "模型路由")) }
                div {
                    span #testall-summary.summary {}
                    button.btn.primary data-api={ "/admin/api/groups/" (id) "/test" } data-method="POST" data-then="testall"
                        disabled[routes.is_empty()] { (ctx.t("E2E Test all", "全部端到端测试")) }
                }
            }
            (routes_table(&ctx, &routes, &providers))
            details.add {
                summary { (ctx.t("Add route", "添加路由")) }
                (route_form(&ctx, id, &providers, None))
            }
        }
        section.card #keys {
            h2 { (ctx.t("Self-issued API Keys", "自发 API Key")) }
            (keys_table(&ctx, &keys))
            form.inline data-api={ "/admin/api/groups/" (id) "/keys" } data-method="POST" data-then="key" {
                input name="name" placeholder=(ctx.t("Key name, e.g. laptop", "密钥名称,例如 laptop")) required;
                label.small { (ctx.t("Expires", "过期时间")) " " input name="expires_at" type="date" data-type="date"; }
                button.btn.primary type="submit" { (ctx.t("Create key", "创建密钥")) }
                span.form-error {}
            }
        }
        section.card #snippets {
            h2 { (ctx.t("Use it", "接入示例")) }
            p.muted { (ctx.t(
                "Copy a snippet. Create or reveal a key above and it is filled in here.",
                "复制下方示例。在上方创建或查看密钥后,密钥会自动填入。")) }
            (snippets::render(&ctx, &aliases))
        }
    };
    Ok(page(&ctx, &group.name, body))
}

fn provider_name(providers: &[Provider], id: Id) -> String {
    providers
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| format!("#{id}"))
}

fn routes_table(ctx: &Ctx, routes: &[Route], providers: &[Provider]) -> Markup {
    html! {
        @if routes.is_empty() {
            p.empty { (ctx.t("No routes yet. Add one below: an alias clients send as `model`, mapped to a provider and its model.",
                "还没有路由。在下方添加:客户端作为 model 发送的别名,映射到某个供应商及其模型。")) }
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("Alias", "别名")) }
                    th { (ctx.t("Upstream", "上游")) }
                    th { (ctx.t("Mode", "模式")) }
                    th { (ctx.t("Status", "状态")) }
                    th { (ctx.t("Actions", "操作")) }
                } }
                tbody {
                    @for r in routes {
                        tr data-route=(r.id) {
                            td { code.alias { (r.alias) } " " @if r.managed_by_config { (managed_note(ctx)) } }
                            td { @for c in &r.candidates {
                                div { (provider_name(providers, c.provider_id)) " → " code { (c.model) }
                                    @if r.mode == RouteMode::AutoSelect { span.muted { " (p" (c.priority) ")" } } }
                            } }
                            td { (r.mode.as_str())
                                @if !r.bridge { " " (badge("warn", ctx.t("strict", "严格"))) } }
                            td { @if r.enabled { (badge("ok", ctx.t("enabled", "已启用"))) } @else { (badge("off", ctx.t("disabled", "已停用"))) } }
                            td.actions {
                                button.btn.small data-api={ "/admin/api/routes/" (r.id) "/test" } data-method="POST"
                                    data-then={ "test:test-" (r.id) } { (ctx.t("E2E Test", "端到端测试")) }
                                @if !r.managed_by_config {
                                    button.btn.small type="button" data-toggle={ "#edit-route-" (r.id) } { (ctx.t("Edit", "编辑")) }
                                    button.btn.small data-api={ "/admin/api/routes/" (r.id) } data-method="PATCH"
                                        data-body=(if r.enabled { r#"{"enabled":false}"# } else { r#"{"enabled":true}"# }) data-then="reload" {
                                        @if r.enabled { (ctx.t("Disable", "停用")) } @else { (ctx.t("Enable", "启用")) } }
                                    button.btn.small.danger data-api={ "/admin/api/routes/" (r.id) } data-method="DELETE"
                                        data-confirm=(ctx.t("Delete this route?", "删除该路由?")) data-then="reload" { (ctx.t("Delete", "删除")) }
                                }
                            }
                        }
                        tr.result-row { td colspan="5" { div.test-result id={ "test-" (r.id) } {} } }
                        @if !r.managed_by_config {
                            tr.edit-row id={ "edit-route-" (r.id) } hidden { td colspan="5" { (route_form(ctx, r.group_id, providers, Some(r))) } }
                        }
                    }
                }
            }
        }
    }
}

fn keys_table(ctx: &Ctx, keys: &[ApiKey]) -> Markup {
    let now = now_ms();
    html! {
        @if keys.is_empty() {
            p.empty { (ctx.t("No keys yet. Create one below; clients send it as Bearer token or x-api-key.",
                "还没有密钥。在下方创建;客户端以 Bearer token 或 x-api-key 发送。")) }
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("Name", "名称")) }
                    th { (ctx.t("Key", "密钥")) }
                    th { (ctx.t("Status", "状态")) }
                    th { (ctx.t("Expires", "过期")) }
                    th { (ctx.t("Last used", "最近使用")) }
                    th { (ctx.t("Created", "创建于")) }
                    th { (ctx.t("Actions", "操作")) }
                } }
                tbody {
                    @for k in keys {
                        tr data-key=(k.id) {
                            td { strong { (k.name) } " " @if k.managed_by_config { (managed_note(ctx)) } }
                            td { code { (k.prefix) } }
                            td {
                                @if k.expires_at.is_some_and(|e| e <= now) { (badge("off", ctx.t("expired", "已过期"))) }
                                @else if k.enabled { (badge("ok", ctx.t("enabled", "已启用"))) }
                                @else { (badge("off", ctx.t("disabled", "已停用"))) }
                            }
                            td { (when(k.expires_at)) }
                            td { (when(k.last_used_at)) }
                            td { (when(Some(k.created_at))) }
                            td.actions {
                                button.btn.small data-api={ "/admin/api/keys/" (k.id) "/secret" } data-method="GET" data-then="secret" {
                                    (ctx.t("Reveal", "查看")) }
                                @if !k.managed_by_config {
                                    button.btn.small data-api={ "/admin/api/keys/" (k.id) } data-method="PATCH"
                                        data-body=(if k.enabled { r#"{"enabled":false}"# } else { r#"{"enabled":true}"# }) data-then="reload" {
                                        @if k.enabled { (ctx.t("Disable", "停用")) } @else { (ctx.t("Enable", "启用")) } }
                                    button.btn.small data-api={ "/admin/api/keys/" (k.id) } data-method="PATCH" data-then="reload"
                                        data-prompt-date="expires_at" data-prompt=(ctx.t("Expiry date (YYYY-MM-DD), empty = never", "过期日期(YYYY-MM-DD),留空 = 永不过期")) {
                                        (ctx.t("Expiry", "过期")) }
                                    button.btn.small.danger data-api={ "/admin/api/keys/" (k.id) } data-method="DELETE"
                                        data-confirm=(ctx.t("Delete this key? Clients using it stop working at once.", "删除该密钥?使用它的客户端将立即失效。"))
                                        data-then="reload" { (ctx.t("Delete", "删除")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
