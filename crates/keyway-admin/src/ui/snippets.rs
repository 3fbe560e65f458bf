//! Copy-paste snippets for a group: curl, the OpenAI Python SDK and Claude
//! Code's `.claude/settings.local.json`. The key is a placeholder that app.js
//! swaps for a real key once one is created or revealed on the page.

use maud::{html, Markup};

use super::Ctx;

pub const KEY_PLACEHOLDER: &str = "db_sk_YOUR_KEY";

/// Aliases for Claude Code's model slots: one whose name mentions the slot
/// (`opus`, `sonnet`, `haiku`), else the first alias (the last for haiku,
/// which is meant to be the small fast one).
pub struct ClaudeModels {
    pub main: String,
    pub opus: String,
    pub sonnet: String,
    pub haiku: String,
}

pub fn claude_models(aliases: &[String]) -> ClaudeModels {
    let first = aliases
        .first()
        .cloned()
        .unwrap_or_else(|| "YOUR_ALIAS".into());
    let last = aliases.last().cloned().unwrap_or_else(|| first.clone());
    let find = |word: &str| {
        aliases
            .iter()
            .find(|a| a.to_ascii_lowercase().contains(word))
            .cloned()
    };
    let sonnet = find("sonnet").unwrap_or_else(|| first.clone());
    ClaudeModels {
        main: find("sonnet")
            .or_else(|| find("opus"))
            .unwrap_or_else(|| first.clone()),
        opus: find("opus").unwrap_or_else(|| first.clone()),
        haiku: find("haiku").unwrap_or(last),
        sonnet,
    }
}

/// A JSON string literal (quotes and escapes included).
fn js(v: &str) -> String {
    serde_json::Value::from(v).to_string()
}

pub fn curl(base: &str, alias: &str) -> String {
    let body = format!(
        "{{\"model\": {}, \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}",
        js(alias)
    );
    format!(
        "curl {base}/v1/chat/completions \\\n  -H \"Authorization: Bearer {KEY_PLACEHOLDER}\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{body}'"
    )
}

pub fn openai_python(base: &str, alias: &str) -> String {
    format!(
        "from openai import OpenAI\n\nclient = OpenAI(base_url=\"{base}/v1\", api_key=\"{KEY_PLACEHOLDER}\")\nresp = client.chat.completions.create(\n    model=\"{alias}\",\n    messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\nprint(resp.choices[0].message.content)"
    )
}

/// Written by hand rather than serialized, to keep the variables in the
/// order a reader expects.
pub fn claude_settings(base: &str, aliases: &[String]) -> String {
    let m = claude_models(aliases);
    let vars = [
        ("ANTHROPIC_BASE_URL", base),
        ("ANTHROPIC_AUTH_TOKEN", KEY_PLACEHOLDER),
        ("ANTHROPIC_MODEL", &m.main),
        ("ANTHROPIC_DEFAULT_OPUS_MODEL", &m.opus),
        ("ANTHROPIC_DEFAULT_SONNET_MODEL", &m.sonnet),
        ("ANTHROPIC_DEFAULT_HAIKU_MODEL", &m.haiku),
    ];
    let lines: Vec<String> = vars
        .iter()
        .map(|(k, v)| format!("    \"{k}\": {}", js(v)))
        .collect();
    format!("{{\n  \"env\": {{\n{}\n  }}\n}}", lines.join(",\n"))
}

fn block(ctx: &Ctx, id: &str, title: &str, text: String) -> Markup {
    html! {
        div.snippet-block {
            div.snippet-head {
                span { (title) }
                button.btn.small data-copy={ "#" (id) } { (ctx.t("Copy", "复制")) }
            }
            pre { code.snippet id=(id) { (text) } }
        }
    }
}

pub fn render(ctx: &Ctx, aliases: &[String]) -> Markup {
    let base = ctx.base_url.as_str();
    let alias = aliases.first().map(String::as_str).unwrap_or("YOUR_ALIAS");
    html! {
        p { (ctx.t("Base URL", "Base URL")) ": " code { (base) } " · "
            (ctx.t("Models (aliases)", "模型(别名)")) ": "
            @if aliases.is_empty() { span.muted { (ctx.t("none yet", "暂无")) } }
            @for a in aliases { code.alias { (a) } " " }
        }
        div.snippets {
            (block(ctx, "snippet-curl", "curl", curl(base, alias)))
            (block(ctx, "snippet-python", "OpenAI SDK (Python)", openai_python(base, alias)))
            (block(ctx, "snippet-claude", ".claude/settings.local.json (Claude Code)", claude_settings(base, aliases)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn claude_slots_prefer_named_aliases() {
        let m = claude_models(&v(&["glm-4", "my-opus", "my-sonnet", "tiny-haiku"]));
        assert_eq!(
            (
                m.main.as_str(),
                m.opus.as_str(),
                m.sonnet.as_str(),
                m.haiku.as_str()
            ),
            ("my-sonnet", "my-opus", "my-sonnet", "tiny-haiku")
        );
        let m = claude_models(&v(&["big", "small"]));
        assert_eq!(
            (
                m.main.as_str(),
                m.opus.as_str(),
                m.sonnet.as_str(),
                m.haiku.as_str()
            ),
            ("big", "big", "big", "small")
        );
    }

    #[test]
    fn settings_json_has_every_variable() {
        let s = claude_settings("http://h:1", &v(&["a"]));
        let parsed: serde_json::Value = serde_json::from_str(&s).unwrap();
        for k in [
            "ANTHROPIC_BASE_URL",
            "ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_MODEL",
            "ANTHROPIC_DEFAULT_OPUS_MODEL",
            "ANTHROPIC_DEFAULT_SONNET_MODEL",
            "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        ] {
            assert!(parsed["env"][k].is_string(), "{k}");
        }
        assert_eq!(parsed["env"]["ANTHROPIC_BASE_URL"], "http://h:1");
        assert!(s.find("ANTHROPIC_BASE_URL") < s.find("ANTHROPIC_DEFAULT_HAIKU_MODEL"));
        let c = curl("http://h:1", "a\"b");
        assert!(c.contains("http://h:1/v1/chat/completions"));
        let body = c.split('\'').nth(1).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["model"], "a\"b");
        assert!(openai_python("http://h:1", "a").contains("base_url=\"http://h:1/v1\""));
    }
}
