pub mod auth;
pub mod cases;
pub mod evidence;
pub mod ledger;
pub mod meta;
pub mod org;
pub mod review;
pub mod uploads;
