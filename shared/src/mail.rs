//! Mail through SES v2, shared by every domain that writes to people (the
//! suite's forms, transit's codes and tickets): every message has a text and
//! an HTML body, and all user input in the HTML is escaped.

use crate::{
    App,
    http::ApiError,
    stores::{Dependency, aws::error_chain},
};
use aws_sdk_sesv2::{
    primitives::Blob,
    types::{
        Attachment, AttachmentContentDisposition, AttachmentContentTransferEncoding, Body, Content,
        Destination, EmailContent, Message,
    },
};

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A rendered mail: subject, text body, HTML body.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Images the HTML shows inline (`<img src="cid:…">`), sent as inline
    /// attachments so mail clients that block remote images still show them.
    pub images: Vec<InlineImage>,
}

/// An image inside a mail's HTML body.
#[derive(Debug, Clone)]
pub struct InlineImage {
    /// Referenced as `cid:{content_id}`.
    pub content_id: String,
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Shown above the image, and as its alternative text.
    pub caption: String,
}

impl Mail {
    /// Adds `images` below the body, each under its caption.
    pub fn with_images(mut self, images: Vec<InlineImage>) -> Self {
        let figures: String = images
            .iter()
            .map(|i| {
                format!(
                    "<p>{caption}<br><img src=\"cid:{cid}\" alt=\"{caption}\" width=\"240\" height=\"240\"></p>",
                    caption = escape_html(&i.caption),
                    cid = escape_html(&i.content_id),
                )
            })
            .collect();
        self.html = self.html.replace("</body>", &format!("{figures}</body>"));
        self.images.extend(images);
        self
    }
}

/// Renders labelled fields as a text list and an escaped HTML table.
pub fn render(
    to: &str,
    reply_to: Option<&str>,
    subject: &str,
    intro: &str,
    fields: &[(&str, String)],
) -> Mail {
    let text_rows: String = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect();
    let html_rows: String = fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "<tr><th align=\"left\" style=\"padding:4px 12px 4px 0\">{}</th><td style=\"white-space:pre-wrap\">{}</td></tr>",
                escape_html(k),
                escape_html(v)
            )
        })
        .collect();
    Mail {
        to: to.to_owned(),
        reply_to: reply_to.map(str::to_owned),
        subject: subject.replace(['\r', '\n'], " "),
        text: format!("{intro}\n\n{text_rows}"),
        html: format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p><table>{html_rows}</table></body></html>",
            escape_html(intro)
        ),
        images: Vec::new(),
    }
}

pub async fn send(app: &App, mail: &Mail) -> Result<String, ApiError> {
    let content = |text: &str| {
        Content::builder()
            .data(text)
            .charset("UTF-8")
            .build()
            .map_err(ApiError::internal)
    };
    let mut message = Message::builder().subject(content(&mail.subject)?).body(
        Body::builder()
            .text(content(&mail.text)?)
            .html(content(&mail.html)?)
            .build(),
    );
    for image in &mail.images {
        message = message.attachments(
            Attachment::builder()
                .raw_content(Blob::new(image.bytes.clone()))
                .content_disposition(AttachmentContentDisposition::Inline)
                .content_transfer_encoding(AttachmentContentTransferEncoding::Base64)
                .content_id(&image.content_id)
                .content_type(image.content_type)
                .file_name(&image.file_name)
                .build()
                .map_err(ApiError::internal)?,
        );
    }
    let message = message.build();
    let mut request = app
        .ses()
        .await
        .send_email()
        .from_email_address(app.config.sender_email()?)
        .destination(Destination::builder().to_addresses(&mail.to).build())
        .content(EmailContent::builder().simple(message).build());
    if let Some(reply_to) = &mail.reply_to {
        request = request.reply_to_addresses(reply_to);
    }
    let out = request
        .send()
        .await
        .map_err(|e| ApiError::dependency(Dependency::Ses, error_chain(&e)))?;
    Ok(out.message_id().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_subjects_stay_on_one_line() {
        let mail = render(
            "sales@x.example",
            None,
            "New lead\r\nBcc: victim@x.example",
            "Hello",
            &[("Message", "<script>alert('x')</script> & \"more\"".into())],
        );
        assert!(
            mail.html
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
        assert!(!mail.html.contains("<script>"));
        assert!(
            mail.text.contains("<script>"),
            "text mail carries the raw text"
        );
        assert!(!mail.subject.contains('\n'));
    }
}
