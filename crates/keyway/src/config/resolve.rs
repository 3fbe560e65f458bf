//! Phase two: checks that need the whole file (unique names, references,
//! value formats) and turns the raw tables into what `apply` writes.

use std::collections::HashSet;

use keyway_store::{presets, AuthStyle, Protocol, RouteMode, Timeouts};
use secrecy::SecretString;
use toml::Spanned;

use super::raw::{RawConfig, RawProvider, RawRoute, RawTimeouts};
use super::{line_col, ConfigError};

#[derive(Debug)]
pub struct Config {
    pub providers: Vec<ProviderConfig>,
    pub groups: Vec<GroupConfig>,
}

#[derive(Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub vendor: String,
    pub protocol: Protocol,
    pub base_url: String,
    pub auth_style: AuthStyle,
    pub api_keys: Vec<SecretString>,
    pub enabled: bool,
    pub timeouts: Timeouts,
}

#[derive(Debug)]
pub struct GroupConfig {
    pub name: String,
    pub routes: Vec<RouteConfig>,
    pub keys: Vec<KeyConfig>,
}

#[derive(Debug)]
pub struct RouteConfig {
    pub alias: String,
    pub mode: RouteMode,
    /// (provider name, upstream model, priority, weight)
    pub candidates: Vec<(String, String, i32, u32)>,
    pub enabled: bool,
    pub bridge: bool,
    pub generation_path: Option<String>,
}

#[derive(Debug)]
pub struct KeyConfig {
    pub name: String,
    pub key: Option<SecretString>,
    pub enabled: bool,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err<T>(&self, at: &Spanned<T>, field: &str, message: impl Into<String>) -> ConfigError {
        let (l, c) = line_col(self.text, at.span().start);
        ConfigError {
            file: self.file.to_owned(),
            line: Some(l),
            column: Some(c),
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

pub fn resolve(file: &str, text: &str, raw: RawConfig) -> Result<Config, ConfigError> {
    let cx = Ctx { file, text };
    let mut provider_names = HashSet::new();
    let mut providers = Vec::new();
    for (i, p) in raw.providers.into_iter().enumerate() {
        if !provider_names.insert(p.name.get_ref().clone()) {
            return Err(cx.err(
                &p.name,
                &format!("providers[{i}].name"),
                format!("duplicate provider name '{}'", p.name.get_ref()),
            ));
        }
        providers.push(provider(&cx, i, p)?);
    }
    let mut group_names = HashSet::new();
    let mut groups = Vec::new();
    for (gi, g) in raw.groups.into_iter().enumerate() {
        let gname = g.name.get_ref().trim().to_owned();
        if gname.is_empty() {
            return Err(cx.err(&g.name, &format!("groups[{gi}].name"), "must not be empty"));
        }
        if !group_names.insert(gname.clone()) {
            return Err(cx.err(
                &g.name,
                &format!("groups[{gi}].name"),
                format!("duplicate group name '{gname}'"),
            ));
        }
        let mut aliases = HashSet::new();
        let mut routes = Vec::new();
        for (ri, r) in g.routes.into_iter().enumerate() {
            let path = format!("groups[{gi}].routes[{ri}]");
            if !aliases.insert(r.alias.get_ref().clone()) {
                return Err(cx.err(
                    &r.alias,
                    &format!("{path}.alias"),
                    format!("duplicate alias '{}' in group '{gname}'", r.alias.get_ref()),
                ));
            }
            routes.push(route(&cx, &path, r, &provider_names)?);
        }
        let mut key_names = HashSet::new();
        let mut keys = Vec::new();
        for (ki, k) in g.keys.into_iter().enumerate() {
            let path = format!("groups[{gi}].keys[{ki}]");
            if !key_names.insert(k.name.get_ref().clone()) {
                return Err(cx.err(
                    &k.name,
                    &format!("{path}.name"),
                    format!(
                        "duplicate key name '{}' in group '{gname}'",
                        k.name.get_ref()
                    ),
                ));
            }
            let key = match &k.key {
                None => None,
                Some(s) => {
                    let v = s.get_ref();
                    if !v.starts_with("db_sk_") {
                        return Err(cx.err(
                            s,
                            &format!("{path}.key"),
                            "a self-issued key must start with `db_sk_`",
                        ));
                    }
                    if v.len() < "db_sk_".len() + 16
                        || !v
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        return Err(cx.err(s, &format!("{path}.key"), "a self-issued key needs at least 16 URL-safe characters after `db_sk_`"));
                    }
                    Some(SecretString::from(v.clone()))
                }
            };
            keys.push(KeyConfig {
                name: k.name.into_inner(),
                key,
                enabled: k.enabled.unwrap_or(true),
            });
        }
        groups.push(GroupConfig {
            name: gname,
            routes,
            keys,
        });
    }
    Ok(Config { providers, groups })
}

fn provider(cx: &Ctx<'_>, i: usize, p: RawProvider) -> Result<ProviderConfig, ConfigError> {
    let path = format!("providers[{i}]");
    let vendor = match &p.vendor {
        None => "custom".to_owned(),
        Some(v) => {
            if presets::preset(v.get_ref()).is_none() {
                let known: Vec<&str> = presets::PRESETS.iter().map(|p| p.vendor).collect();
                return Err(cx.err(
                    v,
                    &format!("{path}.vendor"),
                    format!(
                        "unknown vendor '{}'; expected one of {}",
                        v.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            v.get_ref().clone()
        }
    };
    let preset = presets::preset(&vendor);
    let protocol = match &p.protocol {
        Some(s) => Protocol::parse(s.get_ref()).ok_or_else(|| {
            cx.err(
                s,
                &format!("{path}.protocol"),
                format!(
                    "unknown protocol '{}'; expected openai or anthropic",
                    s.get_ref()
                ),
            )
        })?,
        None => preset.map_or(Protocol::Openai, |p| p.protocol),
    };
    let base_url = match &p.base_url {
        Some(u) => {
            let v = u.get_ref().trim();
            if !(v.starts_with("http://") || v.starts_with("https://")) {
                return Err(cx.err(
                    u,
                    &format!("{path}.base_url"),
                    "must start with http:// or https://",
                ));
            }
            v.trim_end_matches('/').to_owned()
        }
        None => {
            let from_preset = match (preset, protocol) {
                (Some(pr), proto) if pr.protocol == proto => pr.base_url,
                (Some(pr), Protocol::Anthropic) => pr.anthropic_base_url.unwrap_or(""),
                _ => "",
            };
            if from_preset.is_empty() {
                return Err(cx.err(&p.name, &format!("{path}.base_url"), format!("provider '{}' needs a base_url (vendor '{vendor}' has no default for the {} protocol)", p.name.get_ref(), protocol.as_str())));
            }
            from_preset.to_owned()
        }
    };
    let auth_style = match &p.auth {
        Some(a) => AuthStyle::parse(a.get_ref()).ok_or_else(|| {
            cx.err(
                a,
                &format!("{path}.auth"),
                format!(
                    "unknown auth '{}'; expected bearer or x-api-key",
                    a.get_ref()
                ),
            )
        })?,
        None => presets::default_auth_style(&vendor, protocol),
    };
    let mut api_keys: Vec<SecretString> = Vec::new();
    if let Some(k) = p.api_key {
        api_keys.push(SecretString::from(k.into_inner()));
    }
    for k in p.api_keys.into_iter().flatten() {
        api_keys.push(SecretString::from(k.into_inner()));
    }
    let timeouts = timeouts(cx, &path, p.timeouts.as_ref())?;
    Ok(ProviderConfig {
        name: p.name.into_inner(),
        vendor,
        protocol,
        base_url,
        auth_style,
        api_keys,
        enabled: p.enabled.unwrap_or(true),
        timeouts,
    })
}

fn timeouts(cx: &Ctx<'_>, path: &str, t: Option<&RawTimeouts>) -> Result<Timeouts, ConfigError> {
    let mut out = Timeouts::default();
    let Some(t) = t else { return Ok(out) };
    for (field, slot, value) in [
        ("connect", &mut out.connect_ms, &t.connect),
        ("first_byte", &mut out.first_byte_ms, &t.first_byte),
        ("idle", &mut out.idle_ms, &t.idle),
    ] {
        if let Some(v) = value {
            *slot = parse_duration_ms(v.get_ref()).ok_or_else(|| {
                cx.err(
                    v,
                    &format!("{path}.timeouts.{field}"),
                    format!(
                        "'{}' is not a duration (use e.g. \"500ms\", \"10s\", \"5m\")",
                        v.get_ref()
                    ),
                )
            })?;
        }
    }
    Ok(out)
}

/// "500ms", "10s", "5m", "1h" → milliseconds (must be > 0).
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000)
    } else {
        return None;
    };
    let n: u64 = num.trim().parse().ok()?;
    (n > 0).then_some(n * mult)
}

fn route(
    cx: &Ctx<'_>,
    path: &str,
    r: RawRoute,
    providers: &HashSet<String>,
) -> Result<RouteConfig, ConfigError> {
    let mode = match &r.mode {
        None => RouteMode::Direct,
        Some(m) => RouteMode::parse(m.get_ref()).ok_or_else(|| {
            cx.err(
                m,
                &format!("{path}.mode"),
                format!(
                    "unknown mode '{}'; expected direct or auto-select",
                    m.get_ref()
                ),
            )
        })?,
    };
    let mut candidates = Vec::new();
    match (&r.provider, &r.model, &r.candidates) {
        (Some(p), Some(m), None) => candidates.push((p.clone(), m.get_ref().clone(), 0, 1)),
        (None, None, Some(list)) if !list.is_empty() => {
            for c in list {
                candidates.push((
                    c.provider.clone(),
                    c.model.get_ref().clone(),
                    c.priority.unwrap_or(0),
                    c.weight.unwrap_or(1),
                ));
            }
        }
        (Some(_), None, None) => {
            return Err(cx.err(
                &r.alias,
                &format!("{path}.model"),
                "a route with `provider` needs `model` (the upstream model id)",
            ))
        }
        (None, Some(_), None) => {
            return Err(cx.err(
                &r.alias,
                &format!("{path}.provider"),
                "a route with `model` needs `provider`",
            ))
        }
        (_, _, Some(_)) if r.provider.is_some() || r.model.is_some() => {
            return Err(cx.err(
                &r.alias,
                path,
                "give either `provider` + `model` or `candidates`, not both",
            ))
        }
        _ => {
            return Err(cx.err(
                &r.alias,
                path,
                "a route needs `provider` + `model`, or `candidates`",
            ))
        }
    }
    if mode == RouteMode::Direct && candidates.len() > 1 {
        return Err(cx.err(
            &r.alias,
            &format!("{path}.mode"),
            "a direct route has exactly one candidate; use mode = \"auto-select\" for several",
        ));
    }
    let mut out = Vec::new();
    for (i, (p, model, prio, weight)) in candidates.into_iter().enumerate() {
        if !providers.contains(p.get_ref()) {
            let field = if r.candidates.is_some() {
                format!("{path}.candidates[{i}].provider")
            } else {
                format!("{path}.provider")
            };
            return Err(cx.err(
                &p,
                &field,
                format!("no provider named '{}' is declared", p.get_ref()),
            ));
        }
        out.push((p.into_inner(), model, prio, weight));
    }
    Ok(RouteConfig {
        alias: r.alias.into_inner(),
        mode,
        candidates: out,
        enabled: r.enabled.unwrap_or(true),
        bridge: r.bridge.unwrap_or(true),
        generation_path: r.generation_path,
    })
}
