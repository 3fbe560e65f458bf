//! The route form, for adding a route and for editing one in place.

use keyway_store::{Candidate, Id, Provider, Route, RouteMode};
use maud::{html, Markup};

use super::Ctx;

fn provider_options(providers: &[Provider], selected: Option<Id>) -> Markup {
    html! {
        @for p in providers {
            option value=(p.id) selected[selected == Some(p.id)] {
                (p.name) " (" (p.protocol.as_str()) ")" @if !p.enabled { " — off" }
            }
        }
    }
}

fn candidate_row(ctx: &Ctx, providers: &[Provider], c: Option<&Candidate>) -> Markup {
    html! {
        div.cand-row {
            label { (ctx.t("Provider", "供应商"))
                select name="provider_id" data-type="int" { (provider_options(providers, c.map(|c| c.provider_id))) } }
            label { (ctx.t("Upstream model", "上游模型"))
                input name="model" placeholder="deepseek-chat" value=[c.map(|c| c.model.as_str())] required; }
            label.prio { (ctx.t("Priority", "优先级"))
                input name="priority" type="number" value=(c.map(|c| c.priority).unwrap_or(0)) data-type="int"; }
        }
    }
}

/// Adds a route to `group_id`, or edits `existing` (a PATCH of the same fields).
pub fn route_form(
    ctx: &Ctx,
    group_id: Id,
    providers: &[Provider],
    existing: Option<&Route>,
) -> Markup {
    let (api, method) = match existing {
        Some(r) => (format!("/admin/api/routes/{}", r.id), "PATCH"),
        None => (format!("/admin/api/groups/{group_id}/routes"), "POST"),
    };
    let auto = existing.is_some_and(|r| r.mode == RouteMode::AutoSelect);
    let enabled = existing.is_none_or(|r| r.enabled);
    let bridge = existing.is_none_or(|r| r.bridge);
    html! {
        @if providers.is_empty() {
            p.empty { (ctx.t("Add a provider first.", "请先添加供应商。")) " " a href="/admin/providers" { (ctx.t("Providers", "供应商")) } }
        } @else {
            form.grid.route-form.auto[auto] id=[existing.is_none().then_some("add-route-form")] data-api=(api) data-method=(method) data-kind="route" data-then="reload" {
                label { (ctx.t("Alias (the model name clients send)", "别名(客户端发送的 model 名称)"))
                    input name="alias" placeholder="deepseek-v4-pro" value=[existing.map(|r| r.alias.as_str())] required; }
                label { (ctx.t("Mode", "模式"))
                    select name="mode" {
                        option value="direct" selected[!auto] { (ctx.t("direct — one provider", "direct — 单一供应商")) }
                        option value="auto-select" selected[auto] { (ctx.t("auto-select — fail over by priority", "auto-select — 按优先级故障转移")) }
                    }
                }
                div.cands.wide {
                    @match existing {
                        Some(r) if !r.candidates.is_empty() => {
                            @for c in &r.candidates { (candidate_row(ctx, providers, Some(c))) }
                        }
                        _ => { (candidate_row(ctx, providers, None)) }
                    }
                }
                button.btn.small.add-cand type="button" hidden[!auto] { "+ " (ctx.t("candidate", "候选")) }
                label.check { input name="enabled" type="checkbox" checked[enabled]; " " (ctx.t("Enabled", "启用")) }
                label.check title=(ctx.t("Translate for clients of the other protocol", "为另一种协议的客户端做协议转换")) {
                    input name="bridge" type="checkbox" checked[bridge]; " " (ctx.t("Protocol bridge", "协议桥接")) }
                div.wide {
                    button.btn.primary type="submit" {
                        @if existing.is_some() { (ctx.t("Save", "保存")) } @else { (ctx.t("Add route", "添加路由")) }
                    }
                    span.form-error {}
                }
            }
        }
    }
}
