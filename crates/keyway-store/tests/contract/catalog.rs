//! Providers, groups and routes.

use keyway_store::*;
use secrecy::{ExposeSecret, SecretString};

use crate::Fixture;

pub fn provider_input(name: &str, keys: &[&str]) -> ProviderInput {
    ProviderInput {
        name: name.into(),
        vendor: "deepseek".into(),
        protocol: Protocol::Openai,
        base_url: "https://api.deepseek.com/v1".into(),
        auth_style: AuthStyle::Bearer,
        api_keys: Some(
            keys.iter()
                .map(|k| SecretString::from(k.to_string()))
                .collect(),
        ),
        enabled: true,
        timeouts: Timeouts::default(),
        managed_by_config: false,
    }
}

pub fn route_input(group_id: Id, alias: &str, candidates: Vec<Candidate>) -> RouteInput {
    RouteInput {
        group_id,
        alias: alias.into(),
        mode: RouteMode::Direct,
        enabled: true,
        bridge: true,
        candidates,
        generation_path: None,
        managed_by_config: false,
    }
}

pub fn candidate(provider_id: Id, model: &str, priority: i32) -> Candidate {
    Candidate {
        provider_id,
        model: model.into(),
        priority,
        weight: 1,
    }
}

fn exposed(keys: &[SecretString]) -> Vec<&str> {
    keys.iter().map(|k| k.expose_secret()).collect()
}

pub async fn providers_round_trip_with_key_pool(f: &Fixture) {
    let s = &f.store;
    let mut input = provider_input("ds", &["sk-one", "sk-two"]);
    input.timeouts = Timeouts {
        connect_ms: 1,
        first_byte_ms: 2,
        idle_ms: 3,
    };
    input.managed_by_config = true;
    let created = s.create_provider(input).await.unwrap();
    assert_eq!(created.name, "ds");
    assert_eq!(created.protocol, Protocol::Openai);
    assert_eq!(created.timeouts.first_byte_ms, 2);
    assert!(created.managed_by_config);
    assert_eq!(exposed(&created.api_keys), ["sk-one", "sk-two"]);

    let mut other = provider_input("claude", &["sk-ant"]);
    other.protocol = Protocol::Anthropic;
    other.auth_style = AuthStyle::XApiKey;
    other.enabled = false;
    let other = s.create_provider(other).await.unwrap();
    let listed = s.list_providers().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].auth_style, AuthStyle::XApiKey);
    assert!(!listed[1].enabled);
    assert_eq!(exposed(&listed[1].api_keys), ["sk-ant"]);

    // `api_keys: None` keeps the pool; `Some` replaces it.
    let mut edit = provider_input("ds-renamed", &[]);
    edit.api_keys = None;
    edit.base_url = "http://127.0.0.1:1/v1".into();
    let updated = s.update_provider(created.id, edit).await.unwrap();
    assert_eq!(updated.name, "ds-renamed");
    assert_eq!(updated.base_url, "http://127.0.0.1:1/v1");
    assert_eq!(exposed(&updated.api_keys), ["sk-one", "sk-two"]);
    assert!(updated.updated_at >= created.updated_at);
    let replaced = s
        .update_provider(created.id, provider_input("ds", &["sk-three"]))
        .await
        .unwrap();
    assert_eq!(exposed(&replaced.api_keys), ["sk-three"]);
    let fetched = s.get_provider(created.id).await.unwrap();
    assert_eq!(exposed(&fetched.api_keys), ["sk-three"]);

    s.delete_provider(other.id).await.unwrap();
    assert_eq!(s.list_providers().await.unwrap().len(), 1);
}

pub async fn provider_conflicts_and_missing(f: &Fixture) {
    let s = &f.store;
    let a = s
        .create_provider(provider_input("a", &["k"]))
        .await
        .unwrap();
    s.create_provider(provider_input("b", &["k"]))
        .await
        .unwrap();
    match s.create_provider(provider_input("a", &[])).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("'a'"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    match s.update_provider(a.id, provider_input("b", &[])).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("'b'"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    // The failed update changed nothing.
    assert_eq!(s.get_provider(a.id).await.unwrap().name, "a");
    assert_eq!(s.get_provider(a.id).await.unwrap().api_keys.len(), 1);
    let missing = a.id + 1000;
    assert!(matches!(
        s.get_provider(missing).await,
        Err(StoreError::NotFound("provider"))
    ));
    assert!(matches!(
        s.update_provider(missing, provider_input("z", &[])).await,
        Err(StoreError::NotFound("provider"))
    ));
    assert!(matches!(
        s.delete_provider(missing).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_provider(provider_input("  ", &[])).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn provider_in_use_cannot_be_deleted(f: &Fixture) {
    let s = &f.store;
    let p = s
        .create_provider(provider_input("busy", &["k"]))
        .await
        .unwrap();
    let g = s.create_group("team", false).await.unwrap();
    let r = s
        .create_route(route_input(g.id, "chat", vec![candidate(p.id, "m", 0)]))
        .await
        .unwrap();
    match s.delete_provider(p.id).await {
        Err(StoreError::Conflict(m)) => {
            assert!(m.contains("team/chat"), "{m}");
            assert!(m.contains("busy"), "{m}");
        }
        other => panic!("expected conflict, got {other:?}"),
    }
    s.get_provider(p.id).await.unwrap();
    s.delete_route(r.id).await.unwrap();
    s.delete_provider(p.id).await.unwrap();
    assert!(matches!(
        s.get_provider(p.id).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn groups_crud_and_conflicts(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("default", true).await.unwrap();
    assert_eq!(g.name, "default");
    assert!(g.managed_by_config);
    let h = s.create_group("other", false).await.unwrap();
    assert_eq!(s.get_group(g.id).await.unwrap(), g);
    assert_eq!(s.list_groups().await.unwrap(), vec![g.clone(), h.clone()]);
    match s.create_group("default", false).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("'default'"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(matches!(
        s.rename_group(h.id, "default").await,
        Err(StoreError::Conflict(_))
    ));
    let renamed = s.rename_group(h.id, "renamed").await.unwrap();
    assert_eq!(renamed.name, "renamed");
    assert_eq!(renamed.created_at, h.created_at);
    let missing = h.id + 1000;
    assert!(matches!(
        s.get_group(missing).await,
        Err(StoreError::NotFound("group"))
    ));
    assert!(matches!(
        s.rename_group(missing, "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_group(missing).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_group("", false).await,
        Err(StoreError::Invalid(_))
    ));
    s.delete_group(h.id).await.unwrap();
    assert_eq!(s.list_groups().await.unwrap(), vec![g]);
}

pub async fn group_delete_cascades_to_routes_and_keys(f: &Fixture) {
    let s = &f.store;
    let p = s
        .create_provider(provider_input("p", &["k"]))
        .await
        .unwrap();
    let doomed = s.create_group("doomed", false).await.unwrap();
    let kept = s.create_group("kept", false).await.unwrap();
    let r = s
        .create_route(route_input(doomed.id, "a", vec![candidate(p.id, "m", 0)]))
        .await
        .unwrap();
    let kept_route = s
        .create_route(route_input(kept.id, "a", vec![]))
        .await
        .unwrap();
    let (key, _) = s
        .create_key(crate::keys::key_input(doomed.id))
        .await
        .unwrap();
    let (kept_key, _) = s.create_key(crate::keys::key_input(kept.id)).await.unwrap();

    s.delete_group(doomed.id).await.unwrap();
    assert!(matches!(
        s.get_route(r.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.get_key(key.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.list_routes(Some(doomed.id)).await.unwrap().is_empty());
    assert!(s.list_keys(Some(doomed.id)).await.unwrap().is_empty());
    assert_eq!(s.list_routes(None).await.unwrap(), vec![kept_route]);
    assert_eq!(s.list_keys(None).await.unwrap(), vec![kept_key]);
    // The candidates went too: nothing holds the provider any more.
    s.delete_provider(p.id).await.unwrap();
}

pub async fn routes_round_trip_and_candidate_order(f: &Fixture) {
    let s = &f.store;
    let p1 = s
        .create_provider(provider_input("p1", &["k"]))
        .await
        .unwrap();
    let p2 = s
        .create_provider(provider_input("p2", &["k"]))
        .await
        .unwrap();
    let g = s.create_group("g", false).await.unwrap();
    let h = s.create_group("h", false).await.unwrap();
    let mut input = route_input(
        g.id,
        "smart",
        vec![
            Candidate {
                weight: 3,
                ..candidate(p2.id, "late", 2)
            },
            candidate(p1.id, "first", 0),
            candidate(p2.id, "second", 0),
            candidate(p1.id, "middle", 1),
        ],
    );
    input.mode = RouteMode::AutoSelect;
    input.bridge = false;
    input.generation_path = Some("/v1/images/generations".into());
    input.managed_by_config = true;
    let r = s.create_route(input).await.unwrap();
    assert_eq!(r.mode, RouteMode::AutoSelect);
    assert!(!r.bridge && r.enabled && r.managed_by_config);
    assert_eq!(r.generation_path.as_deref(), Some("/v1/images/generations"));
    let models: Vec<&str> = r.candidates.iter().map(|c| c.model.as_str()).collect();
    assert_eq!(models, ["first", "second", "middle", "late"]);
    assert_eq!(r.candidates[3].weight, 3);
    assert_eq!(r.candidates[3].provider_id, p2.id);
    assert_eq!(s.get_route(r.id).await.unwrap(), r);

    // The same alias in another group is fine.
    let other = s
        .create_route(route_input(h.id, "smart", vec![]))
        .await
        .unwrap();
    assert_eq!(s.list_routes(Some(g.id)).await.unwrap(), vec![r.clone()]);
    assert_eq!(
        s.list_routes(None).await.unwrap(),
        vec![r.clone(), other.clone()]
    );

    let mut edit = route_input(g.id, "renamed", vec![candidate(p2.id, "only", 5)]);
    edit.enabled = false;
    let updated = s.update_route(r.id, edit).await.unwrap();
    assert_eq!(updated.alias, "renamed");
    assert!(!updated.enabled);
    assert_eq!(updated.generation_path, None);
    assert_eq!(updated.candidates, vec![candidate(p2.id, "only", 5)]);
    assert_eq!(updated.created_at, r.created_at);

    s.delete_route(other.id).await.unwrap();
    assert!(matches!(
        s.delete_route(other.id).await,
        Err(StoreError::NotFound("route"))
    ));
    assert!(matches!(
        s.get_route(other.id).await,
        Err(StoreError::NotFound("route"))
    ));
}

pub async fn route_conflicts_and_references(f: &Fixture) {
    let s = &f.store;
    let p = s
        .create_provider(provider_input("p", &["k"]))
        .await
        .unwrap();
    let g = s.create_group("g", false).await.unwrap();
    let a = s
        .create_route(route_input(g.id, "a", vec![]))
        .await
        .unwrap();
    let b = s
        .create_route(route_input(g.id, "b", vec![]))
        .await
        .unwrap();
    match s.create_route(route_input(g.id, "a", vec![])).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("'a'"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(matches!(
        s.update_route(b.id, route_input(g.id, "a", vec![])).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_route(route_input(g.id + 1000, "x", vec![])).await,
        Err(StoreError::NotFound("group"))
    ));
    let ghost = candidate(p.id + 1000, "m", 0);
    assert!(matches!(
        s.create_route(route_input(g.id, "x", vec![ghost.clone()]))
            .await,
        Err(StoreError::Invalid(_))
    ));
    // A failed update leaves the route as it was.
    let before = s
        .update_route(a.id, route_input(g.id, "a", vec![candidate(p.id, "m", 0)]))
        .await
        .unwrap();
    assert!(s
        .update_route(a.id, route_input(g.id, "a", vec![ghost]))
        .await
        .is_err());
    assert_eq!(s.get_route(a.id).await.unwrap(), before);
    assert!(matches!(
        s.update_route(a.id + 1000, route_input(g.id, "z", vec![]))
            .await,
        Err(StoreError::NotFound("route"))
    ));
    assert!(matches!(
        s.create_route(route_input(g.id, "", vec![])).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.list_routes(Some(g.id)).await.unwrap().len(), 2);
}
