//! The login page: the one page served without a session.

use axum::http::{header, HeaderMap};
use axum::response::Html;
use maud::{html, DOCTYPE};

use super::i18n::{Lang, LANG_COOKIE};
use crate::session;

pub async fn login_page(headers: HeaderMap) -> Html<String> {
    let cookie = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| session::cookie_value(c, LANG_COOKIE));
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = Lang::detect(cookie, accept);
    let t = |en, zh| lang.pick(en, zh);
    let doc = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t("Log in", "登录")) " · Keyway" }
                link rel="stylesheet" href="/admin/assets/style.css";
                script src="/admin/assets/app.js" defer {}
            }
            body.login {
                main.card.login-card {
                    h1 { span.logo { "⇄" } " Keyway" }
                    p.muted { (t("LLM API routing gateway — admin", "LLM API 路由网关 — 管理后台")) }
                    form #login-form {
                        label { (t("Username", "用户名"))
                            input name="username" value="admin" autocomplete="username" required; }
                        label { (t("Password", "密码"))
                            input name="password" type="password" autocomplete="current-password" required autofocus; }
                        p.form-error {}
                        button.btn.primary type="submit" { (t("Log in", "登录")) }
                    }
                    p.lang.center {
                        button.link data-lang="en" { "EN" } " | " button.link data-lang="zh" { "中文" }
                    }
                }
                div #toast role="status" {}
            }
        }
    };
    Html(doc.into_string())
}
