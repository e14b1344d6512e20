//! Headers of responses that carry stored bytes (evidence originals, issued
//! documents, audit reports): what a browser may render, and how little the
//! page it renders may do.
//!
//! Evidence arrives with whatever media type its uploader declared, and is
//! served from the API's own origin: served as `text/html` or
//! `image/svg+xml`, it would run script with the reader's session. So only
//! types a browser shows without running anything — video, audio and raster
//! images — are served inline; anything else is an attachment of type
//! `application/octet-stream`.

use axum::http::{HeaderMap, HeaderValue, header};

/// The sandbox every stored byte is served in: no script, no plugin, no
/// fetch; an opaque origin, so nothing served can read the API's cookies or
/// call it. Images and media of the response itself may still show when
/// opened directly.
pub const STORED_BYTES_CSP: &str = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox";

/// Raster image types a browser shows inline without running anything.
const INLINE_IMAGES: &[&str] =
    &["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp"];

/// The type to serve stored bytes of `declared` type inline with, or `None`
/// when they must be an attachment (any type that could carry active
/// content: HTML, SVG, XML, PDF, scripts, or anything unknown).
pub fn inline_type(declared: &str) -> Option<String> {
    let essence = declared.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let (top, sub) = essence.split_once('/')?;
    let token =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    if !token(top) || !token(sub) {
        return None;
    }
    let inline = matches!(top, "video" | "audio") || INLINE_IMAGES.contains(&essence.as_str());
    inline.then_some(essence)
}

/// Sets the type and disposition of stored bytes of `declared` type, named
/// `filename` when saved, and the headers that keep them inert.
pub fn stored_bytes(headers: &mut HeaderMap, declared: &str, filename: &str) {
    match inline_type(declared) {
        Some(t) => {
            if let Ok(v) = HeaderValue::from_str(&t) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            set_disposition(headers, "inline", filename);
        }
        None => {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            set_disposition(headers, "attachment", filename);
        }
    }
    harden(headers);
}

/// A download of a known type (a PDF, a CSV report): always an attachment.
pub fn attachment(headers: &mut HeaderMap, content_type: &'static str, filename: &str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    set_disposition(headers, "attachment", filename);
    harden(headers);
}

/// `nosniff` and the sandbox, on any response carrying stored bytes.
pub fn harden(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(STORED_BYTES_CSP));
}

/// The file name as safe ASCII in `filename` (it comes from stored data: a
/// quote or a line break must not end the header's value) and, when it has
/// other characters (a 档号 like 临市监-2026-0001), whole in `filename*` as
/// RFC 6266 and RFC 8187 say: UTF-8, percent-encoded.
fn set_disposition(headers: &mut HeaderMap, kind: &str, filename: &str) {
    let name: String = filename.chars().filter(|c| !c.is_control()).take(120).collect();
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let mut value = format!("{kind}; filename=\"{safe}\"");
    if safe != name {
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        value.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_media_and_raster_images_are_inline() {
        for t in ["video/mp4", "audio/mpeg", "image/jpeg", "IMAGE/PNG; x=1", "video/quicktime"] {
            assert!(inline_type(t).is_some(), "{t}");
        }
        for t in [
            "text/html",
            "image/svg+xml",
            "application/pdf",
            "application/xhtml+xml",
            "text/xml",
            "application/javascript",
            "",
            "video",
            "video/mp4\r\nx: y",
            "multipart/x-mixed-replace",
        ] {
            assert!(inline_type(t).is_none(), "{t:?}");
        }
        let mut h = HeaderMap::new();
        stored_bytes(&mut h, "text/html", "a\"b.html");
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            "attachment; filename=\"a_b.html\"; filename*=UTF-8''a%22b.html"
        );
        let mut h = HeaderMap::new();
        attachment(&mut h, "application/x-tar", "临市监-2026-0001.tar");
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            "attachment; filename=\"___-2026-0001.tar\"; filename*=UTF-8''%E4%B8%B4%E5%B8%82%E7%9B%91-2026-0001.tar"
        );
        let mut h = HeaderMap::new();
        attachment(&mut h, "application/pdf", "plain-1.pdf");
        assert_eq!(h[header::CONTENT_DISPOSITION], "attachment; filename=\"plain-1.pdf\"");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
