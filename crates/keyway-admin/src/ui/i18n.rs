//! English and Simplified Chinese. Each string is written at its call site in
//! both languages (`ctx.t("Providers", "供应商")`), so a translation can never
//! be missing or drift away from the English it belongs to.

pub const LANG_COOKIE: &str = "keyway_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// From the `keyway_lang` cookie, else the browser's `Accept-Language`.
    pub fn detect(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        match cookie {
            Some("zh") => Lang::Zh,
            Some("en") => Lang::En,
            _ => match accept_language {
                Some(al) if al.trim_start().to_ascii_lowercase().starts_with("zh") => Lang::Zh,
                _ => Lang::En,
            },
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_wins_over_browser() {
        assert_eq!(Lang::detect(Some("zh"), Some("en-US")), Lang::Zh);
        assert_eq!(Lang::detect(Some("en"), Some("zh-CN,zh")), Lang::En);
        assert_eq!(Lang::detect(None, Some("zh-CN,zh;q=0.9")), Lang::Zh);
        assert_eq!(Lang::detect(None, None), Lang::En);
        assert_eq!(Lang::En.pick("Groups", "分组"), "Groups");
        assert_eq!(Lang::Zh.pick("Groups", "分组"), "分组");
    }
}
