#![allow(clippy::unwrap_used)]
mod common;

use common::{plain_client, session_client, start, PASSWORD, TOKEN};
use serde_json::{json, Value};

/// Every route the router serves, unauthenticated: API routes answer 401
/// JSON, UI pages redirect to the login page. Only the declared public
/// routes answer otherwise.
#[tokio::test]
async fn every_admin_route_requires_auth() {
    let s = start().await;
    let table = keyway_admin::route_table();
    assert!(
        table.len() > 30,
        "route table looks incomplete: {}",
        table.len()
    );
    let c = plain_client();
    let mut checked = 0;
    for r in &table {
        let path = r.path.replace("{id}", "1");
        let m = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
        for bad_auth in [None, Some("Bearer wrong-token"), Some("Basic YWRtaW46eA==")] {
            let mut req = c
                .request(m.clone(), s.url(&path))
                .header("content-type", "application/json")
                .body("{}");
            if let Some(h) = bad_auth {
                req = req.header("authorization", h);
            }
            // A forged session cookie is no better than none.
            let req = req.header("cookie", "keyway_session=eyJ1IjoiYWRtaW4ifQ.AAAA");
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            if r.public {
                assert_ne!(status, 404, "{} {} should exist", r.method, path);
                continue;
            }
            if path.starts_with("/admin/api") {
                assert_eq!(
                    status, 401,
                    "{} {} answered {status} without auth",
                    r.method, path
                );
                let body: Value = resp.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthorized");
            } else {
                assert_eq!(
                    status, 303,
                    "{} {} answered {status} without auth",
                    r.method, path
                );
                assert_eq!(resp.headers()["location"], "/admin/login");
            }
            checked += 1;
        }
    }
    assert!(checked > 90);
    // The public set is exactly what we mean it to be.
    let mut public: Vec<String> = table
        .iter()
        .filter(|r| r.public)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    public.sort();
    assert_eq!(
        public,
        vec![
            "GET /",
            "GET /admin/assets/app.js",
            "GET /admin/assets/style.css",
            "GET /admin/login",
            "POST /admin/api/login"
        ]
    );
    // And every route in the table is served (with auth), none is a 404/405.
    for r in table
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains("{id}"))
    {
        let resp = common::token_client()
            .get(s.url(&r.path))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success() || resp.status().is_redirection(),
            "GET {} -> {}",
            r.path,
            resp.status()
        );
    }
}

#[tokio::test]
async fn root_redirects_and_openapi_documents_the_api() {
    let s = start().await;
    let r = plain_client().get(s.url("/")).send().await.unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/admin");
    let (st, doc) = s.call("GET", "/admin/api/openapi.json", None).await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/admin/api/providers",
        "/admin/api/groups/{id}/copy",
        "/admin/api/groups/{id}/keys",
        "/admin/api/keys/{id}/secret",
        "/admin/api/routes/{id}/test",
        "/admin/api/groups/{id}/test",
        "/admin/api/logs",
        "/admin/api/providers/health",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["KeyCreated"].is_object());
    assert!(doc["components"]["securitySchemes"]["admin_token"].is_object());
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_and_csrf_is_enforced() {
    let s = start().await;
    let r = plain_client()
        .post(s.url("/admin/api/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in [
        "keyway_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=43200",
        "Path=/",
    ] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }

    let (c, csrf) = session_client(&s).await;
    let me: Value = c
        .get(s.url("/admin/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["username"].as_str(), me["via"].as_str()),
        (Some("admin"), Some("session"))
    );
    assert_eq!(me["csrf_token"].as_str(), Some(csrf.as_str()));

    // Without or with a wrong CSRF token a state change is refused; GETs are fine.
    let body = json!({"name": "g1"});
    let r = c
        .post(s.url("/admin/api/groups"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "csrf");
    let r = c
        .post(s.url("/admin/api/groups"))
        .header("x-csrf-token", "nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(s.url("/admin/api/groups"))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        c.get(s.url("/admin/api/groups"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Bearer requests carry no ambient credential and need no CSRF token.
    let (st, _) = s
        .call("POST", "/admin/api/groups", Some(json!({"name": "g2"})))
        .await;
    assert_eq!(st, 201);

    // A login form posted cross-site (urlencoded) is not accepted.
    let r = plain_client()
        .post(s.url("/admin/api/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=admin&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Logout clears the cookie.
    let r = c
        .post(s.url("/admin/api/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        c.get(s.url("/admin/api/me")).send().await.unwrap().status(),
        401
    );
}

#[tokio::test]
async fn wrong_token_and_bad_password_are_401() {
    let s = start().await;
    let r = plain_client()
        .get(s.url("/admin/api/groups"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = plain_client()
        .get(s.url("/admin/api/groups"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for (u, p) in [("admin", "wrong"), ("nobody", PASSWORD)] {
        let r = plain_client()
            .post(s.url("/admin/api/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["message"], "invalid username or password");
    }
}

#[tokio::test]
async fn login_is_throttled_per_username() {
    let s = start().await;
    let attempt = |pw: &'static str| {
        let url = s.url("/admin/api/login");
        async move {
            plain_client()
                .post(url)
                .json(&json!({"username": "admin", "password": pw}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong").await.status(), 401);
    }
    let r = attempt("wrong").await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry));
    // Even the right password waits out the lock.
    assert_eq!(attempt(PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn login_is_throttled_per_ip_across_usernames() {
    let s = start().await;
    for i in 0..5 {
        let r = plain_client()
            .post(s.url("/admin/api/login"))
            .json(&json!({"username": format!("guess{i}"), "password": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = plain_client()
        .post(s.url("/admin/api/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        429,
        "the same IP is locked whatever the username"
    );
}

#[tokio::test]
async fn password_change_ends_old_sessions() {
    let s = start().await;
    let (old, _) = session_client(&s).await;
    let (c, csrf) = session_client(&s).await;
    let url = s.url("/admin/api/password");
    let r = c
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&json!({"current_password": "wrong", "new_password": "new-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["field"], "current_password");
    let r = c
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&json!({"current_password": PASSWORD, "new_password": "new-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The changing session continues with its fresh cookie; the other one is over.
    assert_eq!(
        c.get(s.url("/admin/api/me")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        old.get(s.url("/admin/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let r = plain_client()
        .post(s.url("/admin/api/login"))
        .json(&json!({"username": "admin", "password": "new-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
