//! `custom` providers: the client's body goes unchanged (only `model` becomes
//! the upstream id) to the path configured on the route, and the answer is
//! read synchronously. OpenAI-shaped image answers are normalized; anything
//! else is kept whole as a `json` output.

use serde_json::{json, Value};

use super::{json, openai, Call, Ctx, Invalid, Progress, Reply, VendorError};

pub fn submit(ctx: &Ctx, mut body: Value) -> Result<Call, Invalid> {
    let Some(path) = ctx.generation_path.filter(|p| !p.trim().is_empty()) else {
        return Err(Invalid::new(
            "model",
            "this route's custom provider has no generation path configured",
        ));
    };
    if let Some(obj) = body.as_object_mut() {
        obj.insert("model".into(), json!(ctx.upstream_model));
    }
    let path = path.trim();
    let url = if path.starts_with('/') {
        ctx.url(path)
    } else {
        format!("{}/{path}", ctx.origin())
    };
    Ok(Call::post(url, body))
}

pub fn parse(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    if v.get("data").is_some_and(Value::is_array) {
        return openai::parse_image(reply);
    }
    if let Some(outputs) = v.get("outputs").and_then(Value::as_array) {
        return Ok(Progress::succeeded(
            outputs.clone(),
            v.get("usage").cloned(),
        ));
    }
    Ok(Progress::succeeded(
        vec![json!({"index": 0, "type": "json", "json": v})],
        None,
    ))
}
