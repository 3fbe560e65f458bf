//! The unified generation request (protocols.md §5.1), parsed and checked
//! before any vendor sees it. Fields Keyway does not know are kept in `extra`
//! and passed to the vendor body as they are (product.md §5: "…vendor params").

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Modality {
    #[serde(rename = "image")]
    Image,
    #[serde(rename = "video")]
    Video,
    #[serde(rename = "3d")]
    Model3d,
}

impl Modality {
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Image => "image",
            Modality::Video => "video",
            Modality::Model3d => "3d",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(Modality::Image),
            "video" => Some(Modality::Video),
            "3d" => Some(Modality::Model3d),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Image,
    Video,
    Audio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FirstFrame,
    LastFrame,
    Reference,
    Subject,
    Mask,
}

/// A reference medium: an `https://` URL or a `data:` URI.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    #[serde(rename = "type")]
    pub kind: MediaType,
    pub url: String,
    #[serde(default)]
    pub role: Option<Role>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseFormat {
    Url,
    B64Json,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GenRequest {
    #[serde(default)]
    pub model: String,
    pub modality: Option<Modality>,
    pub prompt: Option<String>,
    pub negative_prompt: Option<String>,
    #[serde(default)]
    pub inputs: Vec<Input>,
    pub n: Option<u32>,
    pub size: Option<String>,
    pub aspect_ratio: Option<String>,
    pub resolution: Option<String>,
    pub duration: Option<u32>,
    pub fps: Option<u32>,
    pub seed: Option<i64>,
    pub quality: Option<String>,
    pub output_format: Option<String>,
    pub response_format: Option<ResponseFormat>,
    pub watermark: Option<bool>,
    pub prompt_extend: Option<bool>,
    pub generate_audio: Option<bool>,
    pub callback_url: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    /// `{"volcengine": {...}, "dashscope": {...}}`: merged last into that vendor's body.
    pub provider_options: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a request body was refused (400); the text says what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub message: String,
    pub param: Option<String>,
}

impl Invalid {
    pub fn new(param: &str, message: impl Into<String>) -> Self {
        Invalid {
            message: message.into(),
            param: Some(param.to_string()),
        }
    }
}

pub const MAX_METADATA_KEYS: usize = 16;

/// Parses a body and checks what every vendor needs.
pub fn parse(body: &[u8]) -> Result<GenRequest, Invalid> {
    let value: Value = serde_json::from_slice(body).map_err(|e| Invalid {
        message: format!("request body is not valid JSON: {e}"),
        param: None,
    })?;
    from_value(value)
}

pub fn from_value(value: Value) -> Result<GenRequest, Invalid> {
    if !value.is_object() {
        return Err(Invalid {
            message: "request body must be a JSON object".into(),
            param: None,
        });
    }
    let req: GenRequest = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Invalid {
            message: format!("invalid field '{path}': {}", e.inner()),
            param: Some(path),
        }
    })?;
    validate(&req)?;
    Ok(req)
}

/// The `model` field alone, for bodies forwarded unchanged (`custom` providers).
pub fn model_of(value: &Value) -> Result<String, Invalid> {
    match value.get("model") {
        Some(Value::String(m)) if !m.trim().is_empty() => Ok(m.clone()),
        Some(Value::String(_)) | None => Err(Invalid::new("model", "'model' is required")),
        Some(_) => Err(Invalid::new("model", "'model' must be a string")),
    }
}

fn validate(req: &GenRequest) -> Result<(), Invalid> {
    if req.model.trim().is_empty() {
        return Err(Invalid::new("model", "'model' is required"));
    }
    let has_prompt = req.prompt.as_deref().is_some_and(|p| !p.trim().is_empty());
    if !has_prompt && req.inputs.is_empty() {
        return Err(Invalid::new(
            "prompt",
            "'prompt' is required (or at least one entry in 'inputs')",
        ));
    }
    if let Some(n) = req.n {
        if !(1..=10).contains(&n) {
            return Err(Invalid::new("n", "'n' must be between 1 and 10"));
        }
    }
    if let Some(d) = req.duration {
        if !(1..=120).contains(&d) {
            return Err(Invalid::new(
                "duration",
                "'duration' must be between 1 and 120 seconds",
            ));
        }
    }
    if let Some(size) = &req.size {
        if pixels(size).is_none() {
            return Err(Invalid::new(
                "size",
                format!("'size' must look like 1024x1024, got '{size}'"),
            ));
        }
    }
    for (i, input) in req.inputs.iter().enumerate() {
        let u = input.url.as_str();
        if !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with("data:")) {
            return Err(Invalid::new(
                &format!("inputs[{i}].url"),
                "each input 'url' must be an http(s) URL or a data: URI",
            ));
        }
    }
    if req
        .metadata
        .as_ref()
        .is_some_and(|m| m.len() > MAX_METADATA_KEYS)
    {
        return Err(Invalid::new(
            "metadata",
            format!("'metadata' may hold at most {MAX_METADATA_KEYS} keys"),
        ));
    }
    if req.callback_url.is_some() {
        // Webhooks are not implemented; accepting the field silently would lose callbacks.
        return Err(Invalid::new(
            "callback_url",
            "'callback_url' is not supported; poll GET /v1/generations/{id} instead",
        ));
    }
    Ok(())
}

/// `"1280x720"` → (1280, 720).
pub fn pixels(size: &str) -> Option<(u32, u32)> {
    let (w, h) = size.split_once(['x', 'X', '*'])?;
    let w = w.trim().parse().ok()?;
    let h = h.trim().parse().ok()?;
    (w > 0 && h > 0).then_some((w, h))
}

impl GenRequest {
    /// The first input with the given role (or, for `Reference`, without a role).
    pub fn input(&self, kind: MediaType, role: Role) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.kind == kind && i.role.unwrap_or(Role::Reference) == role)
    }

    pub fn images(&self) -> impl Iterator<Item = &Input> {
        self.inputs.iter().filter(|i| i.kind == MediaType::Image)
    }

    pub fn prompt_text(&self) -> &str {
        self.prompt.as_deref().unwrap_or_default()
    }

    /// The `provider_options` entry for any of `names`.
    pub fn options_for(&self, names: &[&str]) -> Option<&Value> {
        let opts = self.provider_options.as_ref()?;
        names.iter().find_map(|n| opts.get(*n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_the_full_proposal_shape() {
        let r = from_value(json!({
            "model": "seedance", "modality": "video", "prompt": "a cat",
            "inputs": [{"type": "image", "url": "https://x/a.png", "role": "first_frame"}],
            "n": 1, "size": "1280x720", "aspect_ratio": "16:9", "resolution": "720p",
            "duration": 5, "fps": 24, "seed": 42, "watermark": false,
            "metadata": {"client_ref": "abc"},
            "provider_options": {"volcengine": {"camera_fixed": true}},
            "style": "vivid"
        }))
        .unwrap();
        assert_eq!(r.modality, Some(Modality::Video));
        assert_eq!(
            r.input(MediaType::Image, Role::FirstFrame).unwrap().url,
            "https://x/a.png"
        );
        assert_eq!(r.extra.get("style"), Some(&json!("vivid")));
        assert_eq!(
            r.options_for(&["volcengine", "ark"]),
            Some(&json!({"camera_fixed": true}))
        );
    }

    #[test]
    fn refuses_bad_input_with_the_field_named() {
        let many: Map<String, Value> = (0..17).map(|i| (format!("k{i}"), json!(i))).collect();
        let cases = [
            (json!({"prompt": "x"}), "model"),
            (json!({"model": "", "prompt": "x"}), "model"),
            (json!({"model": "m"}), "prompt"),
            (json!({"model": "m", "prompt": 3}), "prompt"),
            (json!({"model": "m", "prompt": "x", "n": 0}), "n"),
            (json!({"model": "m", "prompt": "x", "n": "2"}), "n"),
            (json!({"model": "m", "prompt": "x", "size": "big"}), "size"),
            (
                json!({"model": "m", "prompt": "x", "duration": 0}),
                "duration",
            ),
            (
                json!({"model": "m", "prompt": "x", "modality": "audio"}),
                "modality",
            ),
            (
                json!({"model": "m", "inputs": [{"type": "image", "url": "ftp://x"}]}),
                "inputs[0].url",
            ),
            (
                json!({"model": "m", "inputs": [{"type": "image", "url": "https://x", "role": "side"}]}),
                "inputs[0].role",
            ),
            (
                json!({"model": "m", "prompt": "x", "metadata": many}),
                "metadata",
            ),
            (
                json!({"model": "m", "prompt": "x", "callback_url": "https://h"}),
                "callback_url",
            ),
        ];
        for (body, param) in cases {
            let err = from_value(body.clone()).unwrap_err();
            assert_eq!(err.param.as_deref(), Some(param), "{body}: {err:?}");
        }
        assert!(parse(b"{not json")
            .unwrap_err()
            .message
            .contains("not valid JSON"));
        assert!(parse(b"[1]").unwrap_err().message.contains("JSON object"));
    }

    #[test]
    fn sizes_parse_in_both_spellings() {
        assert_eq!(pixels("1024x768"), Some((1024, 768)));
        assert_eq!(pixels("832*480"), Some((832, 480)));
        assert_eq!(pixels("0x5"), None);
        assert_eq!(pixels("2K"), None);
    }
}
