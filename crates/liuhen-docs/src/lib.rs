//! Enforcement documents (执法文书) as data: layered formats, validation, prefill, 文号 patterns,
//! 大写 amounts, standard wording and canonical digests. Pure: no I/O, no clock, no rendering engine.
//!
//! - [`FormatSet`] loads the twenty built-in base formats (司法部 基础格式) and then department (部门)
//!   and local (地方) layers from TOML. A derived format keeps every mandatory field of its base — a
//!   layer that drops or weakens one is rejected with [`FormatError::MandatoryFieldDropped`] or
//!   [`FormatError::MandatoryFieldChanged`], naming the field, both formats and the layer source.
//! - [`validate`] turns JSON values into a [`ValidDocument`] or a list of [`FieldError`]s.
//! - [`prefill`] fills fields from [`CaseFacts`]; [`WordingLibrary`] inserts 执法规范用语.
//! - [`ValidDocument::canonical`] gives deterministic bytes and SHA-256/SM3 [`Digests`] for the ledger.
//! - [`DocumentView`] is the render model a renderer lays out.
//!
//! ```
//! use liuhen_docs::{FormatSet, validate, money_daxie};
//!
//! let formats = FormatSet::with_base().unwrap();
//! let decision = formats.get("penalty_decision").unwrap();
//! assert_eq!(decision.name, "行政处罚决定书");
//! assert_eq!(decision.render_number("临市监", 2026, 12).unwrap(), "临市监罚〔2026〕12号");
//! assert_eq!(money_daxie(5_000_000), "伍万元整");
//! let errors = validate(decision, &serde_json::json!({})).unwrap_err();
//! assert!(errors.iter().any(|e| e.key == "facts"));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod canonical;
mod error;
mod money;
mod number;
mod prefill;
mod schema;
mod set;
mod template;
mod validate;
mod value;
mod view;
mod wording;

pub use canonical::{CanonicalData, Digests, canonical_json};
pub use error::FormatError;
pub use money::{MoneyError, format_yuan, money_daxie, parse_money};
pub use number::{NumberParts, NumberPattern, NumberPatternError};
pub use prefill::{ActFacts, CaseFacts, ExtensionFacts, prefill};
pub use schema::{
    Align, Block, Cell, FieldDef, FieldType, Format, LayerKind, LayerRef, LayoutBlock, PrefillKey,
};
pub use set::{BASE_FORMATS, DEFAULT_NUMBER_PATTERN, FormatSet};
pub use template::{Piece, Template, parts_of};
pub use validate::{FieldError, Problem, ValidDocument, validate};
pub use value::{ActRef, Date, FieldValue, IdKind, Officer, Party, SlotValue, Time};
pub use view::{DocumentView, NUMBER_PENDING, STRUCK, ViewBlock, ViewCell, ViewSlot, display};
pub use wording::{BASE_WORDING, Phrase, WordingError, WordingLibrary};

#[cfg(feature = "samples")]
pub mod samples;
