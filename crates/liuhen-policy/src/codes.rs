//! Small enumerations of the rulebook, each with a stable ASCII code (used in
//! the TOML files and the API) and the Chinese term (shown to people and
//! accepted as input too), in the manner of `liuhen_domain::labelled_enum!`.

/// Declares an enum whose variants deserialise from their code or their
/// Chinese label and serialise as their code.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code, alias = $zh)] $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable ASCII code used in rulebook files and the API.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// The Chinese term of the domain.
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }

            /// Parses either the code or the Chinese label.
            pub fn from_code(s: &str) -> Option<Self> {
                match s { $($code | $zh => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use coded_enum;

coded_enum! {
    /// 层级 — where a layer of the rulebook comes from, in the order layers apply.
    #[derive(PartialOrd, Ord)]
    pub enum LayerKind {
        /// 国家 — the national rules (国办发〔2018〕118号 and the laws behind it).
        National = ("national", "国家"),
        /// 部门 — a State Council department's rules.
        Department = ("department", "部门"),
        /// 地方 — a local government's implementing rules.
        Local = ("local", "地方"),
    }
}

coded_enum! {
    /// 音像记录要求 — how much audio-video recording an act needs, loosest first.
    #[derive(PartialOrd, Ord)]
    pub enum AvRequirement {
        /// 文字记录 — a text record is enough.
        TextAllowed = ("text_allowed", "文字记录"),
        /// 根据实际情况 — AV according to circumstances: a missing recording is a warning.
        ByCircumstance = ("by_circumstance", "根据实际情况"),
        /// 全程音像记录 — full-process AV recording.
        Full = ("full", "全程音像记录"),
    }
}

coded_enum! {
    /// 当事人类型 — the kind of party a decision is addressed to.
    pub enum PartyType {
        /// 自然人 — a natural person.
        NaturalPerson = ("natural_person", "自然人"),
        /// 法人或其他组织 — a legal person or other organisation.
        Organisation = ("organisation", "法人或其他组织"),
    }
}

impl From<&liuhen_domain::Party> for PartyType {
    fn from(party: &liuhen_domain::Party) -> Self {
        match party {
            liuhen_domain::Party::NaturalPerson { .. } => PartyType::NaturalPerson,
            liuhen_domain::Party::Organisation { .. } => PartyType::Organisation,
        }
    }
}

coded_enum! {
    /// 处理措施 — a measure a decision imposes.
    pub enum Measure {
        /// 警告 / 通报批评 — warning.
        Warning = ("warning", "警告"),
        /// 罚款 — fine (its amount goes in `Decision::fine`).
        Fine = ("fine", "罚款"),
        /// 没收违法所得、没收非法财物 — confiscation.
        Confiscation = ("confiscation", "没收"),
        /// 较大数额没收 — confiscation of a large amount.
        LargeConfiscation = ("large_confiscation", "较大数额没收"),
        /// 暂扣许可证件 — suspension of a licence.
        SuspendLicence = ("suspend_licence", "暂扣许可证件"),
        /// 降低资质等级 — lowering of a qualification grade.
        LowerQualification = ("lower_qualification", "降低资质等级"),
        /// 吊销许可证 — revocation of a licence.
        RevokeLicence = ("revoke_licence", "吊销许可证"),
        /// 限制开展生产经营活动 — restriction of business activities.
        RestrictActivities = ("restrict_activities", "限制开展生产经营活动"),
        /// 责令停产停业 — order to suspend production or business.
        SuspendProduction = ("suspend_production", "责令停产停业"),
        /// 责令关闭 — order to close.
        OrderClosure = ("order_closure", "责令关闭"),
    }
}

coded_enum! {
    /// 严重程度 — how much a finding matters.
    #[derive(PartialOrd, Ord)]
    pub enum Severity {
        /// 提示 — for the record.
        Info = ("info", "提示"),
        /// 警告 — needs a look, does not stop the act's records from being accepted.
        Warning = ("warning", "警告"),
        /// 阻断 — the records are incomplete; the act cannot move on.
        Block = ("block", "阻断"),
    }
}

coded_enum! {
    /// 要求程度 — how firmly a procedure stage expects an act or a document, loosest first.
    #[derive(PartialOrd, Ord)]
    pub enum Need {
        /// 不要求 — not expected: a later layer drops a non-mandatory expectation with it.
        NotExpected = ("not_expected", "不要求"),
        /// 视情况 — when applicable: a reminder, or, for a document with `if_acts`, due once one
        /// of those acts is recorded.
        WhenApplicable = ("when_applicable", "视情况"),
        /// 必须 — required before the stage can be left.
        Required = ("required", "必须"),
    }
}

coded_enum! {
    /// 期间计算 — how a handling limit counts its days, stricter first.
    #[derive(PartialOrd, Ord)]
    pub enum DayCount {
        /// 自然日 — calendar days (行政处罚法 第85条 and 行政强制法 第69条 make only the short
        /// periods working days).
        Natural = ("natural", "自然日"),
        /// 工作日 — working days of the rulebook's [`crate::Calendar`].
        Working = ("working", "工作日"),
    }
}
