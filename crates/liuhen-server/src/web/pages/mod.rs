//! One module per area of the UI; each page is a template struct and a
//! handler that reads through the service.

pub mod access;
pub mod admin;
pub mod auth;
pub mod case;
pub mod cases;
pub mod disclosure;
pub mod documents;
pub mod evidence;
pub mod ledger;
pub mod public;
pub mod retention;
pub mod review;
pub mod supervision;
pub mod workbench;

use askama::Template;

use super::frame::Frame;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Frame,
    pub status: u16,
    pub message: String,
}
