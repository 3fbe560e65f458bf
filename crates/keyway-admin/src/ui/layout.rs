//! The page shell (header, navigation, language switch) and small shared
//! pieces: timestamps, badges, byte sizes.

use axum::response::Html;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use time::macros::format_description;
use time::OffsetDateTime;

use super::Ctx;

const NAV: &[(&str, &str, &str)] = &[
    ("/admin/groups", "Groups", "分组"),
    ("/admin/providers", "Providers", "供应商"),
    ("/admin/logs", "Request logs", "请求日志"),
    ("/admin/usage", "Usage", "用量"),
    ("/admin/settings", "Settings", "设置"),
];

fn active(ctx: &Ctx, href: &str) -> bool {
    ctx.path.starts_with(href) || (href == "/admin/groups" && ctx.path == "/admin")
}

pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Html<String> {
    let doc = html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(ctx.csrf);
                title { (title) " · Keyway" }
                link rel="stylesheet" href="/admin/assets/style.css";
                script src="/admin/assets/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/admin" { span.logo { "⇄" } " Keyway" }
                    nav {
                        @for (href, en, zh) in NAV {
                            a.active[active(ctx, href)] href=(href) { (ctx.t(en, zh)) }
                        }
                    }
                    div.right {
                        span.muted.baseurl title=(ctx.t("Base URL for clients", "客户端使用的 Base URL")) {
                            "Base URL " code { (ctx.base_url) }
                        }
                        span.lang {
                            button.link.on[ctx.lang == super::i18n::Lang::En] data-lang="en" { "EN" }
                            " | "
                            button.link.on[ctx.lang == super::i18n::Lang::Zh] data-lang="zh" { "中文" }
                        }
                        span.muted { (ctx.username) }
                        button.link #logout { (ctx.t("Log out", "退出")) }
                    }
                }
                main { (body) }
                (json_script("i18n", &js_strings(ctx)))
                div #toast role="status" {}
                dialog #modal {
                    div.modal-body {}
                    form method="dialog" { button.btn { (ctx.t("Close", "关闭")) } }
                }
            }
        }
    };
    Html(doc.into_string())
}

/// Strings app.js shows, in the page's language.
fn js_strings(ctx: &Ctx) -> serde_json::Value {
    serde_json::json!({
        "copy": ctx.t("Copy", "复制"),
        "copied": ctx.t("Copied", "已复制"),
        "created": ctx.t("New API key", "新的 API Key"),
        "once": ctx.t(
            "Copy it now: this is the only time it is shown. An admin can reveal it again later on this page.",
            "请立即复制:这是唯一一次显示。之后管理员可在本页再次查看。"),
        "revealed": ctx.t("API key", "API Key"),
        "secretWarn": ctx.t("Treat it like a password.", "请像密码一样妥善保管。"),
        "fail": ctx.t("FAILED", "失败"),
        "status": ctx.t("status", "状态"),
        "upstream": ctx.t("upstream status", "上游状态"),
        "latency": ctx.t("latency", "延迟"),
        "provider": ctx.t("provider", "供应商"),
        "saved": ctx.t("Saved", "已保存"),
        "testing": ctx.t("Testing…", "测试中…"),
    })
}

pub fn fmt_ms(ms: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .map(|s| s + " UTC")
        .unwrap_or_else(|| ms.to_string())
}

/// A timestamp, shown in the viewer's local time by app.js.
pub fn when(ms: Option<i64>) -> Markup {
    match ms {
        Some(ms) => html! { time data-ts=(ms) { (fmt_ms(ms)) } },
        None => html! { span.muted { "—" } },
    }
}

pub fn badge(kind: &str, text: &str) -> Markup {
    html! { span class={ "badge " (kind) } { (text) } }
}

pub fn managed_note(ctx: &Ctx) -> Markup {
    html! {
        span.badge.managed title=(ctx.t(
            "Declared in the config file: read-only here. Edit the file and reload (SIGHUP).",
            "由配置文件声明:此处只读。请修改配置文件并重新加载(SIGHUP)。")) {
            (ctx.t("config", "配置"))
        }
    }
}

pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Inline JSON in a script tag, with `</` escaped so it cannot close the tag.
pub fn json_script(id: &str, v: &serde_json::Value) -> Markup {
    let text = v.to_string().replace("</", "<\\/");
    html! { script type="application/json" id=(id) { (PreEscaped(text)) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(fmt_ms(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn json_script_cannot_break_out() {
        let m = json_script("x", &serde_json::json!({"a": "</script><b>"})).into_string();
        assert!(!m.contains("</script><b>"));
    }
}
