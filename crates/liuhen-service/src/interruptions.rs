//! 中止说明: the officers' account of a stretch in which an act's recording
//! stopped. Recorded like the act itself — by whoever may record acts on the
//! case, never on an archived one, with its ledger entry in the same write
//! job — and read like the act list. `compliance.rs` hands each act's
//! explanations to the rulebook's coverage, so a long gap they cover is
//! excused (`av_gap_explained`) where the act's rule accepts explanations.

use liuhen_domain::{CaseId, EntryKind, Interruption, InterruptionId, NewInterruption};

use crate::cases::{case_and_act, check_may_record_acts};
use crate::error::{Result, ServiceError};
use crate::secrets::random_bytes;
use crate::{Principal, Service, actor, record};

impl Service {
    /// Records a 中止说明 for act `act_id` of case `case_id`. Who may: those
    /// who may record acts on the case (its officers, a leader over it); not
    /// on an archived case. The stretch must overlap the act's window. The
    /// entry (`act.interruption_explained`) names the case, the act and the
    /// explanation and commits to the record's digest; its text stays out.
    pub async fn explain_interruption(
        &self,
        me: &Principal,
        case_id: CaseId,
        act_id: liuhen_domain::ActId,
        input: &NewInterruption,
    ) -> Result<Interruption> {
        let draft = input.validate()?;
        let now = self.now();
        let me = me.clone();
        self.store
            .transact(move |tx| {
                Box::pin(async move {
                    let (case, act) = case_and_act(tx, &me.user, case_id, act_id).await?;
                    check_may_record_acts(&me.user, &case)?;
                    draft.check_overlaps(&act)?;
                    let id = InterruptionId::from_bytes(random_bytes()?);
                    tx.insert_interruption(&Interruption {
                        id,
                        case_id,
                        act_id,
                        reason: draft.reason,
                        from: draft.from,
                        to: draft.to,
                        text: draft.text.clone(),
                        recorded_by: me.user.id,
                        recorded_at: now,
                    })
                    .await?;
                    tx.touch_case(case_id, now).await?;
                    // As stored (milliseconds, one offset): what the entry commits to
                    // is what a reader will get back.
                    let stored =
                        tx.list_interruptions(case_id).await?.into_iter().find(|i| i.id == id).ok_or(
                            ServiceError::Internal("interruption vanished inside its own transaction".into()),
                        )?;
                    record(
                        tx,
                        now,
                        EntryKind::InterruptionExplained,
                        actor(&me.user),
                        Some(case.agency_id),
                        vec![case_id.subject(), act_id.subject(), id.subject()],
                        Some(&stored),
                    )
                    .await?;
                    Ok(stored)
                })
            })
            .await
    }

    /// The 中止说明 of a case the caller may read, in time order. Recorded as
    /// a read of the case, as the act list is.
    pub async fn list_interruptions(&self, me: &Principal, id: CaseId) -> Result<Vec<Interruption>> {
        let now = self.now();
        let (case, grant) = self.case_for_read(me, id).await?;
        let mut tx = self.store.read().await?;
        let out = tx.list_interruptions(id).await?;
        tx.finish().await?;
        let subjects = crate::access::read_subjects(id.subject(), grant);
        self.record_read(now, actor(&me.user), Some(case.agency_id), subjects).await?;
        Ok(out)
    }
}
