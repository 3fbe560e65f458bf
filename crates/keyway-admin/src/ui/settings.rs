//! Settings: log retention, database size, password, API docs.

use axum::extract::State;
use maud::html;

use super::layout::{bytes, page};
use super::{Ctx, PageResult};
use crate::api::settings::settings_view;
use crate::auth::AppState;

pub async fn settings_page(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let v = settings_view(&s).await?;
    let body = html! {
        div.page-head { h1 { (ctx.t("Settings", "设置")) } }
        section.card {
            h2 { (ctx.t("Request logs", "请求日志")) }
            p { (ctx.t("Database", "数据库")) ": " strong { (v.backend) } " · "
                (ctx.t("size", "大小")) ": " strong #db-size { (v.db_size_bytes.map(bytes).unwrap_or_else(|| "—".into())) } }
            form.inline data-api="/admin/api/settings" data-method="PUT" data-then="reload" {
                label { (ctx.t("Keep request logs for", "请求日志保留"))
                    " " input name="log_retention_days" type="number" min="1" max="3650" value=(v.log_retention_days) data-type="int" size="5";
                    " " (ctx.t("days", "天")) }
                button.btn.primary type="submit" { (ctx.t("Save", "保存")) }
                span.form-error {}
            }
            p.muted.small { (ctx.t("Older logs are deleted in the background every hour.", "更早的日志每小时在后台清理。")) }
        }
        section.card {
            h2 { (ctx.t("Change password", "修改密码")) }
            form.grid data-api="/admin/api/password" data-method="POST" data-then="reload" {
                label { (ctx.t("Current password", "当前密码")) input name="current_password" type="password" autocomplete="current-password" required; }
                label { (ctx.t("New password (at least 8 characters)", "新密码(至少 8 个字符)"))
                    input name="new_password" type="password" autocomplete="new-password" minlength="8" required; }
                div.wide { button.btn.primary type="submit" { (ctx.t("Change password", "修改密码")) } span.form-error {} }
            }
            p.muted.small { (ctx.t("Other sessions are logged out.", "其他会话将被登出。")) }
        }
        section.card {
            h2 { (ctx.t("Automation", "自动化")) }
            p { (ctx.t("Everything here is also available as a JSON API, described by", "此处所有功能也可通过 JSON API 使用,文档见")) " "
                a href="/admin/api/openapi.json" { "/admin/api/openapi.json" } "." }
            p.muted.small { (ctx.t("Send Authorization: Bearer $KEYWAY_ADMIN_TOKEN.", "请求时带上 Authorization: Bearer $KEYWAY_ADMIN_TOKEN。")) }
        }
    };
    Ok(page(&ctx, ctx.t("Settings", "设置"), body))
}
