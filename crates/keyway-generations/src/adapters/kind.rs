//! Which adapter serves a route: the provider's vendor, the upstream model
//! id and, when the model id does not tell, the request's `modality`.

use crate::request::{Invalid, Modality};

/// Which vendor API a job uses. Chosen from the provider's vendor, the
/// upstream model id and, when the model id does not tell, the request's
/// `modality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OpenAiImage,
    OpenAiVideo,
    ArkImage,
    ArkTask(Modality),
    ZhipuImage,
    ZhipuVideo,
    WanImage,
    WanVideo,
    QwenImage,
    MiniMaxImage,
    MiniMaxVideo,
    Custom,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::OpenAiImage => "openai_image",
            Kind::OpenAiVideo => "openai_video",
            Kind::ArkImage => "ark_image",
            Kind::ArkTask(Modality::Model3d) => "ark_3d",
            Kind::ArkTask(_) => "ark_video",
            Kind::ZhipuImage => "zhipu_image",
            Kind::ZhipuVideo => "zhipu_video",
            Kind::WanImage => "dashscope_wan_image",
            Kind::WanVideo => "dashscope_wan_video",
            Kind::QwenImage => "dashscope_qwen_image",
            Kind::MiniMaxImage => "minimax_image",
            Kind::MiniMaxVideo => "minimax_video",
            Kind::Custom => "custom",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn modality(self) -> Modality {
        match self {
            Kind::OpenAiVideo
            | Kind::ZhipuVideo
            | Kind::WanVideo
            | Kind::MiniMaxVideo
            | Kind::ArkTask(Modality::Video) => Modality::Video,
            Kind::ArkTask(Modality::Model3d) => Modality::Model3d,
            _ => Modality::Image,
        }
    }

    /// Whether the upstream answers the submit call with the result.
    pub fn is_sync(self) -> bool {
        matches!(
            self,
            Kind::OpenAiImage
                | Kind::ArkImage
                | Kind::ZhipuImage
                | Kind::QwenImage
                | Kind::MiniMaxImage
                | Kind::Custom
        )
    }
}

const ALL: [Kind; 13] = [
    Kind::OpenAiImage,
    Kind::OpenAiVideo,
    Kind::ArkImage,
    Kind::ArkTask(Modality::Video),
    Kind::ArkTask(Modality::Model3d),
    Kind::ZhipuImage,
    Kind::ZhipuVideo,
    Kind::WanImage,
    Kind::WanVideo,
    Kind::QwenImage,
    Kind::MiniMaxImage,
    Kind::MiniMaxVideo,
    Kind::Custom,
];

/// Picks the adapter, or says why this route cannot generate.
pub fn select(vendor: &str, model: &str, asked: Option<Modality>) -> Result<Kind, Invalid> {
    let m = model.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    let by_model = |video: &[&str], three_d: &[&str]| {
        if has(three_d) {
            Some(Modality::Model3d)
        } else if has(video) {
            Some(Modality::Video)
        } else if has(&["image", "cogview", "dall-e", "t2i", "seedream", "seededit"]) {
            Some(Modality::Image)
        } else {
            None
        }
    };
    let kind = match vendor {
        "openai" => match by_model(&["sora"], &[]).or(asked) {
            Some(Modality::Video) => Kind::OpenAiVideo,
            Some(Modality::Model3d) => return Err(no_3d(vendor)),
            _ => Kind::OpenAiImage,
        },
        "ark" => {
            if has(&["seedream", "seededit"]) {
                Kind::ArkImage
            } else {
                match by_model(&["seedance"], &["seed3d"]).or(asked) {
                    Some(Modality::Video) => Kind::ArkTask(Modality::Video),
                    Some(Modality::Model3d) => Kind::ArkTask(Modality::Model3d),
                    _ => Kind::ArkImage,
                }
            }
        }
        "zhipu" => match by_model(&["cogvideo", "vidu"], &[]).or(asked) {
            Some(Modality::Video) => Kind::ZhipuVideo,
            Some(Modality::Model3d) => return Err(no_3d(vendor)),
            _ => Kind::ZhipuImage,
        },
        "qwen" => {
            if has(&["qwen-image"]) {
                Kind::QwenImage
            } else {
                match by_model(&["t2v", "i2v", "kf2v", "video"], &[]).or(asked) {
                    Some(Modality::Video) => Kind::WanVideo,
                    Some(Modality::Model3d) => return Err(no_3d(vendor)),
                    _ => Kind::WanImage,
                }
            }
        }
        "minimax" => match by_model(&["hailuo", "t2v", "i2v", "s2v", "video"], &[]).or(asked) {
            Some(Modality::Video) => Kind::MiniMaxVideo,
            Some(Modality::Model3d) => return Err(no_3d(vendor)),
            _ => Kind::MiniMaxImage,
        },
        "custom" => Kind::Custom,
        other => {
            return Err(Invalid {
                message: format!(
                    "model '{model}' is served by a {other} provider, which has no generation API"
                ),
                param: Some("model".into()),
            })
        }
    };
    if let Some(asked) = asked {
        if kind != Kind::Custom && kind.modality() != asked {
            return Err(Invalid::new(
                "modality",
                format!(
                    "this route generates {}, not {}",
                    kind.modality().as_str(),
                    asked.as_str()
                ),
            ));
        }
    }
    Ok(kind)
}

fn no_3d(vendor: &str) -> Invalid {
    Invalid::new("modality", format!("{vendor} has no 3D generation API"))
}
