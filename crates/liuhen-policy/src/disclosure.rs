//! 执法公示 as rulebook data: which issued documents are published (事后公开), who prepares, confirms,
//! publishes and withdraws them, and the periods around them — withdrawal after a decision is revoked
//! (3 working days), taking a publication offline (5 years; 2 when a party is a natural person), and
//! re-publishing the 事前公开 items after a change (5 working days). The publication deadlines themselves
//! are `[deadlines]` (7 working days for 行政处罚 and 行政许可, 20 for the rest).
//!
//! A later layer may add documents to publish, shorten the working-day periods, choose the roles and
//! set the offline periods (a local rule); the documents a layer names are added to those of the
//! layers before it (none is dropped), and a working-day period is never lengthened.

use serde::Deserialize;

use crate::error::Loosening;
use crate::rulebook::Layer;
use crate::rulebook::raw::Lines;
use crate::{Location, PolicyError, Role};

/// The `[disclosure]` table of one layer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDisclosure {
    /// 文书名称 of the documents published once issued.
    pub documents: Option<Vec<String>>,
    pub withdraw_days: Option<u32>,
    pub republish_days: Option<u32>,
    pub offline_years: Option<u32>,
    pub offline_years_natural_person: Option<u32>,
    pub redact_roles: Option<Vec<Role>>,
    pub confirm_roles: Option<Vec<Role>>,
    pub publish_roles: Option<Vec<Role>>,
    pub withdraw_roles: Option<Vec<Role>>,
}

/// What may be done to a disclosure, each by the roles the rulebook names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisclosureAction {
    /// 隐名处理: the redacted text proposed.
    Redact,
    /// 审核确认: a reviewer confirms the redaction.
    Confirm,
    /// 发布: the confirmed text goes public.
    Publish,
    /// 撤回: the publication is taken back, with its reason.
    Withdraw,
}

/// The effective disclosure rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRules {
    /// 文书名称 of the documents published once issued, in the order the layers named them.
    pub documents: Vec<String>,
    /// Working days from a decision's revocation, change or finding of unlawfulness to its withdrawal.
    pub withdraw_days: u32,
    /// Working days from a change of a 事前公开 item to its re-publication.
    pub republish_days: u32,
    /// Years a publication stays online.
    pub offline_years: u32,
    /// Years, when a party of the decision is a natural person.
    pub offline_years_natural_person: u32,
    pub redact_roles: Vec<Role>,
    pub confirm_roles: Vec<Role>,
    pub publish_roles: Vec<Role>,
    pub withdraw_roles: Vec<Role>,
}

impl Default for DisclosureRules {
    fn default() -> Self {
        DisclosureRules {
            documents: Vec::new(),
            withdraw_days: 3,
            republish_days: 5,
            offline_years: 5,
            offline_years_natural_person: 2,
            redact_roles: vec![Role::Officer, Role::Reviewer, Role::Leader],
            confirm_roles: vec![Role::Reviewer],
            publish_roles: vec![Role::Leader],
            withdraw_roles: vec![Role::Leader],
        }
    }
}

impl DisclosureRules {
    /// Whether an issued document of this name is published.
    pub fn publishes(&self, format_name: &str) -> bool {
        self.documents.iter().any(|d| d == format_name)
    }

    /// The roles that may take `action`.
    pub fn roles(&self, action: DisclosureAction) -> &[Role] {
        match action {
            DisclosureAction::Redact => &self.redact_roles,
            DisclosureAction::Confirm => &self.confirm_roles,
            DisclosureAction::Publish => &self.publish_roles,
            DisclosureAction::Withdraw => &self.withdraw_roles,
        }
    }

    /// Whether `role` may take `action`.
    pub fn allows(&self, role: Role, action: DisclosureAction) -> bool {
        self.roles(action).contains(&role)
    }

    pub(crate) fn merged(
        &self,
        layer: &Layer,
        raw: Option<&RawDisclosure>,
        source: &str,
        lines: &Lines,
    ) -> Result<Self, PolicyError> {
        let mut next = self.clone();
        let Some(raw) = raw else { return Ok(next) };
        let at = |field: &str| {
            let path = format!("disclosure.{field}");
            let line = lines.line(&path);
            Location { source: source.to_owned(), path, line }
        };
        if let Some(documents) = &raw.documents {
            for (i, name) in documents.iter().enumerate() {
                if name.trim().is_empty() {
                    let path = format!("disclosure.documents[{i}]");
                    return Err(PolicyError::invalid(
                        source,
                        &path,
                        lines.line(&path),
                        "a 文书名称 is needed",
                    ));
                }
                if !next.documents.contains(name) {
                    next.documents.push(name.clone());
                }
            }
        }
        let days = [
            ("withdraw_days", raw.withdraw_days, &mut next.withdraw_days),
            ("republish_days", raw.republish_days, &mut next.republish_days),
        ];
        for (field, value, slot) in days {
            let Some(value) = value else { continue };
            if value == 0 {
                let at = at(field);
                return Err(PolicyError::invalid(
                    &at.source,
                    &at.path,
                    at.line,
                    "must be at least 1 working day",
                ));
            }
            if value > *slot {
                return Err(PolicyError::Loosens(Box::new(Loosening {
                    at: at(field),
                    layer: layer.kind,
                    rule: "disclosure".into(),
                    field: field.into(),
                    value: value.to_string(),
                    earlier_layer: layer.kind,
                    earlier_rule: "disclosure".into(),
                    earlier_value: slot.to_string(),
                })));
            }
            *slot = value;
        }
        let years = [
            ("offline_years", raw.offline_years, &mut next.offline_years),
            (
                "offline_years_natural_person",
                raw.offline_years_natural_person,
                &mut next.offline_years_natural_person,
            ),
        ];
        for (field, value, slot) in years {
            let Some(value) = value else { continue };
            if !(1..=100).contains(&value) {
                let at = at(field);
                return Err(PolicyError::invalid(&at.source, &at.path, at.line, "1 to 100 years"));
            }
            *slot = value;
        }
        let roles = [
            ("redact_roles", &raw.redact_roles, &mut next.redact_roles),
            ("confirm_roles", &raw.confirm_roles, &mut next.confirm_roles),
            ("publish_roles", &raw.publish_roles, &mut next.publish_roles),
            ("withdraw_roles", &raw.withdraw_roles, &mut next.withdraw_roles),
        ];
        for (field, value, slot) in roles {
            let Some(value) = value else { continue };
            if value.is_empty() || value.iter().any(|r| matches!(r, Role::Station | Role::Admin)) {
                let at = at(field);
                return Err(PolicyError::invalid(
                    &at.source,
                    &at.path,
                    at.line,
                    "at least one role, and neither 采集站 nor 系统管理员 (they read no case)",
                ));
            }
            slot.clone_from(value);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use crate::{DisclosureAction, Policy, PolicyError, Role};

    fn with_local(toml: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy::national()?;
        p.add_layer("local.toml", &format!("[layer]\nkind = \"local\"\nname = \"临海市\"\n{toml}"))?;
        Ok(p)
    }

    #[test]
    fn national_disclosure_rules() {
        let p = Policy::national().unwrap();
        let d = p.disclosure();
        assert!(d.publishes("行政处罚决定书"));
        assert!(d.publishes("查封扣押决定书"));
        assert!(!d.publishes("询问笔录"));
        assert_eq!(
            (d.withdraw_days, d.republish_days, d.offline_years, d.offline_years_natural_person),
            (3, 5, 5, 2)
        );
        assert!(d.allows(Role::Reviewer, DisclosureAction::Confirm));
        assert!(!d.allows(Role::Officer, DisclosureAction::Publish));
    }

    #[test]
    fn a_local_layer_adds_shortens_and_chooses_roles() {
        let p = with_local(
            "[disclosure]\ndocuments = [\"责令改正通知书\"]\nwithdraw_days = 2\n\
             offline_years = 3\npublish_roles = [\"leader\", \"reviewer\"]\n",
        )
        .unwrap();
        let d = p.disclosure();
        assert!(d.publishes("责令改正通知书") && d.publishes("行政处罚决定书"));
        assert_eq!((d.withdraw_days, d.offline_years), (2, 3));
        assert!(d.allows(Role::Reviewer, DisclosureAction::Publish));

        let e = with_local("[disclosure]\nwithdraw_days = 4\n").unwrap_err();
        assert!(matches!(e, PolicyError::Loosens(_)), "{e}");
        let e = with_local("[disclosure]\nconfirm_roles = [\"admin\"]\n").unwrap_err();
        assert!(e.to_string().contains("disclosure.confirm_roles"), "{e}");
        let e = with_local("[disclosure]\nrepublish_days = 0\n").unwrap_err();
        assert!(e.to_string().contains("at least 1"), "{e}");
    }
}
