//! A case as its page shows it (案件全貌): the case, its acts, their
//! compliance with the rulebook, its documents and evidence, its stage moves
//! with their reasons, the proposed decision and its legal reviews — read
//! from one snapshot and recorded as one read of the case — and what the
//! reader may do with it, from the same rules the changes apply.

use liuhen_domain::{
    AccessRequestId, Act, ActId, Case, CaseId, Document, Evidence, EvidenceId, Stage, User, UserId,
};
use liuhen_store::StageMove;

use crate::compliance::{CaseCompliance, compliance_of};
use crate::error::Result;
use crate::review::ReviewStatus;
use crate::scope::{may_direct, may_issue, may_record_acts, may_review};
use crate::{Principal, Service, actor};

/// What the reader may do with the case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseAbilities {
    /// Record acts, 中止说明, documents, evidence links; propose the decision.
    pub record: bool,
    /// Assign officers and move stages (负责人).
    pub direct: bool,
    /// Issue documents and the decision (负责人, open cases).
    pub issue: bool,
    /// Give a legal review opinion (法制审核人员).
    pub review: bool,
    /// Package the archived case and download its package (档案管理人员).
    pub archive: bool,
}

/// A case as its page shows it.
#[derive(Debug, Clone)]
pub struct CaseOverview {
    pub case: Case,
    /// The 调阅 grant the case is read under, if it is outside the reader's own scope.
    pub grant: Option<AccessRequestId>,
    pub acts: Vec<Act>,
    pub compliance: CaseCompliance,
    /// Documents the reader may see, oldest first.
    pub documents: Vec<Document>,
    /// Evidence of the case the reader may see, oldest recording first.
    pub evidence: Vec<Evidence>,
    /// Which evidence records which act (`auto` or `manual`).
    pub links: Vec<(EvidenceId, ActId, String)>,
    pub moves: Vec<StageMove>,
    /// The stages the timeline shows, in order: the case's procedure's (简易程序
    /// 审核决定 → 送达执行 → 归档), and any other the case has stood in (a case
    /// opened before the rulebook listed its procedure's stages).
    pub stages: Vec<Stage>,
    /// The stage the case may move to next, if any.
    pub next_stage: Option<Stage>,
    pub review: ReviewStatus,
    /// The people the page names (officers, movers, reviewers).
    pub people: Vec<User>,
    pub unit_name: String,
    pub can: CaseAbilities,
}

impl CaseOverview {
    /// A person's name, or their id when not of the agency.
    pub fn name_of(&self, id: &UserId) -> String {
        self.people.iter().find(|u| u.id == *id).map_or_else(|| id.to_string(), |u| u.display_name.clone())
    }
}

impl Service {
    /// The case page's content, recorded as one read of the case (with
    /// the grant it was read under, as every read of it is).
    pub async fn case_overview(&self, me: &Principal, id: CaseId) -> Result<CaseOverview> {
        let now = self.now();
        let (case, grant) = self.case_for_read(me, id).await?;
        let policy = self.policy()?;
        let scope = self.read_scope(me);
        let evidence = self.store.list_case_evidence(case.id, &scope, me.user.id).await?;
        let mut tx = self.store.read().await?;
        let grant = match grant {
            Some(g) => Some(g),
            None => tx.active_grant(me.user.id, case.id, now).await?,
        };
        let visible = |label: liuhen_domain::Confidentiality| grant.is_some() || me.user.cleared_for(label);
        let evidence: Vec<Evidence> =
            evidence.into_iter().filter(|e| visible(e.label) || e.uploaded_by == me.user.id).collect();
        let compliance = compliance_of(&mut tx, &policy, &case, now, &visible).await?;
        let acts = tx.list_acts(case.id).await?;
        let mut documents = tx.list_case_documents(case.id).await?;
        documents.retain(|d| visible(d.label));
        let moves = tx.stage_moves(case.id).await?;
        let links = tx
            .case_clips(case.id)
            .await?
            .into_iter()
            .filter(|c| visible(c.label))
            .map(|c| (c.evidence_id, c.act_id, c.how))
            .collect();
        let mut stages = policy.stages_of(case.procedure);
        for s in moves.iter().flat_map(|m| [m.from, m.to]).chain([case.stage]) {
            if !stages.contains(&s) {
                stages.push(s);
            }
        }
        stages.sort_unstable();
        let next_stage = policy.next_stage(case.procedure, case.stage);
        let today = liuhen_domain::when::in_beijing(now).date();
        let (_, review) = crate::review::review_state(&mut tx, &policy, &scope, case.id, today).await?;
        let mut ids: Vec<UserId> = case.officers.clone();
        ids.extend(acts.iter().flat_map(|a| a.officers.iter().copied()));
        ids.extend(moves.iter().map(|m| m.by));
        ids.extend(review.reviews.iter().flat_map(|r| r.reviewer.into_iter().chain([r.submitted_by])));
        ids.extend(evidence.iter().filter_map(|e| e.officer_id));
        ids.push(case.created_by);
        if let Some(l) = &compliance.limit {
            ids.extend(l.extension.iter().map(|e| e.approved_by));
            ids.extend(l.release.iter().map(|r| r.released_by));
        }
        ids.sort_unstable();
        ids.dedup();
        let people = tx.get_users(&ids).await?;
        let unit_name = tx.get_unit(case.unit_id).await?.name;
        tx.finish().await?;
        let subjects = crate::access::read_subjects(case.id.subject(), grant);
        self.record_read(now, actor(&me.user), Some(case.agency_id), subjects).await?;
        // A grant is for reading: changes stay within the reader's own scope.
        let own = grant.is_none()
            || self.store.get_case_in_scope(case.id, &crate::scope::case_scope(&me.user)).await?.is_some();
        let can = if own {
            CaseAbilities {
                record: may_record_acts(&me.user, &case),
                direct: may_direct(&me.user) && case.stage != Stage::Archived,
                issue: may_issue(&me.user, &case),
                review: may_review(&me.user),
                archive: crate::scope::may_archive(&me.user) && case.stage == Stage::Archived,
            }
        } else {
            CaseAbilities::default()
        };
        Ok(CaseOverview {
            case,
            grant,
            acts,
            compliance,
            documents,
            evidence,
            links,
            moves,
            stages,
            next_stage,
            review,
            people,
            unit_name,
            can,
        })
    }
}

/// An evidence file as the player shows it.
#[derive(Debug, Clone)]
pub struct EvidenceOverview {
    pub evidence: Evidence,
    /// The 调阅 grant it is read under, if any.
    pub grant: Option<AccessRequestId>,
    /// The officer whose camera recorded it.
    pub officer: Option<User>,
    /// The acts it is linked to, and how (`auto` or `manual`).
    pub links: Vec<(Act, String)>,
    /// Links to acts of cases the reader may not read (counted only).
    pub hidden_links: usize,
    /// The acts of its case it could be linked to, when the reader may link.
    pub case_acts: Vec<Act>,
    /// The ledger index of the entry that took it in (its tlog-proof is at
    /// `/api/v1/ledger/entries/{index}/tlog-proof`), once indexed.
    pub ingest_entry: Option<u64>,
    /// The reader may link and unlink it (an officer of its case, or a leader).
    pub may_link: bool,
}

impl Service {
    /// The player page's content: the evidence record (its read recorded as
    /// [`Service::get_evidence`] records it), its officer, its links, and the
    /// acts of its case the reader may link it to.
    pub async fn evidence_overview(&self, me: &Principal, id: EvidenceId) -> Result<EvidenceOverview> {
        let evidence = self.get_evidence(me, id).await?;
        let grant = match evidence.case_id {
            Some(case) => {
                let mut tx = self.store.read().await?;
                let g = tx.active_grant(me.user.id, case, self.now()).await?;
                tx.finish().await?;
                g
            }
            None => None,
        };
        let case = match evidence.case_id {
            Some(c) => self.store.get_case_in_scope(c, &crate::scope::case_scope(&me.user)).await?,
            None => None,
        };
        let may_link = case.as_ref().is_some_and(|c| may_record_acts(&me.user, c));
        self.catch_up_audit_index().await?;
        let mut tx = self.store.read().await?;
        let officer = match evidence.officer_id {
            Some(u) => tx.get_users(&[u]).await?.into_iter().next(),
            None => None,
        };
        // Links to acts of cases the reader cannot read are counted, not shown.
        let scope = self.read_scope(me);
        let (mut links, mut hidden_links) = (Vec::new(), 0);
        for (act, how) in tx.evidence_links(evidence.id).await? {
            let Some(case_id) = tx.act_case(act).await? else { continue };
            if tx.get_case_in_scope(case_id, &scope).await?.is_none() {
                hidden_links += 1;
                continue;
            }
            if let Some(a) = tx.list_acts(case_id).await?.into_iter().find(|a| a.id == act) {
                links.push((a, how));
            }
        }
        let case_acts = match (&case, may_link) {
            (Some(c), true) => tx.list_acts(c.id).await?,
            _ => Vec::new(),
        };
        let ingest_entry = tx
            .audit_entries(&evidence.id.subject(), liuhen_store::AuditRole::Subject, 1_000)
            .await?
            .into_iter()
            .find(|s| {
                liuhen_domain::LedgerEntry::decode(&s.body)
                    .is_ok_and(|e| e.kind == liuhen_domain::EntryKind::EvidenceIngested.code())
            })
            .map(|s| s.seq);
        tx.finish().await?;
        Ok(EvidenceOverview {
            evidence,
            grant,
            officer,
            links,
            hidden_links,
            case_acts,
            ingest_entry,
            may_link,
        })
    }
}
